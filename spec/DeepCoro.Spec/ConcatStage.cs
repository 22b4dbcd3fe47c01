namespace DeepCoro.Spec
{
    /// <summary>Branches that each reduce the same axes from the same input; their widths add up.</summary>
    public sealed record ConcatStage(EquatableList<EquatableList<PoolStage>> Branches) : PoolStage;
}
