namespace DeepCoro.Spec
{
    /// <summary>A row of the shape table: a block, the shape after it,
    /// and the parameters it brings (shared keys counted once).</summary>
    public sealed record ShapeRow(string Path, string Block, string Shape, long Parameters);
}
