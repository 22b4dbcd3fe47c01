namespace DeepCoro.Spec
{
    /// <summary>One step of the pooling hierarchy: a pool over one axis,
    /// or parallel branches whose outputs are concatenated.</summary>
    public abstract record PoolStage;
}
