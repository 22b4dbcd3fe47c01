namespace DeepCoro.Spec
{
    /// <summary>A learned embedding per view class added to every token of an instance;
    /// row <c>Classes</c> is the padding id.</summary>
    public sealed record ViewEmbeddingSpec(int Classes, string Key = ReferenceNames.ViewEmbedding);
}
