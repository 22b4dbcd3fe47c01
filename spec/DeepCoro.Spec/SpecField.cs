namespace DeepCoro.Spec
{
    /// <summary>
    /// The field of a spec a plan diagnostic is about, so that a front end (the config reader, the DSL) can point at
    /// its own source of that value without decoding the JSON path. With <see cref="SpecDiagnostic.Index"/>: the
    /// head's index for head fields, the axis's for <see cref="Axes"/>, the pool's place in <see
    /// cref="ModelPlan.Pools"/> for a level's fields, the branch's for <see cref="Concat"/>, the entry's for <see
    /// cref="UnusedParameters"/>.
    /// </summary>
    public enum SpecField
    {
        None, Name, EmbeddingDim, Axes, ViewEmbedding, Pooling, Concat, Over, AttentionHeads, Hidden, Dropout, Params,
        Heads, HeadName, Outputs, Loss, Weight, HeadDropout, Intervals, UnusedParameters,
    }
}
