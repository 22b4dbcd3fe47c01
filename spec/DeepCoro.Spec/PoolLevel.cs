namespace DeepCoro.Spec
{
    /// <summary>A pool that reduces the innermost remaining axis <paramref name="Over"/>.</summary>
    public sealed record PoolLevel(PoolKind Kind, string Over, PoolOptions Options) : PoolStage;
}
