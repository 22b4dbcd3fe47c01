namespace DeepCoro.Spec
{
    /// <summary>
    /// Version 1 of the spec IR: what a multi-instance probe computes, independent of how it is built.
    /// Input x is [B, axes[0], ..., axes[^1], EmbeddingDim]; an optional mask [B, axes[0]] marks valid
    /// instances (True = valid) and optional view ids [B, axes[0]] index the view embedding.
    /// </summary>
    public sealed record ModelSpec(
        int IrVersion,
        string Name,
        int EmbeddingDim,
        EquatableList<string> Axes,
        EquatableList<PoolStage> Pooling,
        EquatableList<HeadSpec> Heads,
        ViewEmbeddingSpec? ViewEmbedding)
    {
        public const int CurrentIrVersion = 1;

        /// <summary>
        /// Parameters the source model declares but never uses (DeepCORO_CLIP
        /// keeps a "within" attention layer in 3D and mean+cls_token modes).
        /// They are kept, frozen, so its state_dicts load strictly and exports load back.
        /// </summary>
        public EquatableList<UnusedParameter> UnusedParameters { get; init; } = EquatableList<UnusedParameter>.Empty;

        /// <summary>A copy with these unused parameters (for callers without C# `with`, such as F#).</summary>
        public ModelSpec WithUnusedParameters(EquatableList<UnusedParameter> unused) => this with { UnusedParameters = unused };

        /// <summary>The axis the mask and the view ids run along: the outermost instance axis.</summary>
        public string MaskedAxis => Axes[0];
    }
}
