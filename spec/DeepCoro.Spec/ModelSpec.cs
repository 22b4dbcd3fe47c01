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
        /// Parameters the source model declares but never uses (DeepCORO_CLIP keeps a "within" attention layer in
        /// 3D and mean+cls_token modes). They are kept, frozen, so its state_dicts load strictly and exports load back.
        /// </summary>
        public EquatableList<UnusedParameter> UnusedParameters { get; init; } = EquatableList<UnusedParameter>.Empty;

        /// <summary>A copy with these unused parameters (for callers without C# `with`, such as F#).</summary>
        public ModelSpec WithUnusedParameters(EquatableList<UnusedParameter> unused) => this with { UnusedParameters = unused };

        /// <summary>The axis the mask and the view ids run along: the outermost instance axis.</summary>
        public string MaskedAxis => Axes[0];
    }

    /// <summary>A state_dict entry kept for compatibility only: its full key and shape.</summary>
    public sealed record UnusedParameter(string Key, EquatableList<int> Shape);

    /// <summary>One step of the pooling hierarchy: a pool over one axis, or parallel branches whose outputs are concatenated.</summary>
    public abstract record PoolStage;

    public enum PoolKind { Mean, Max, GatedAttention, ClsToken }

    public enum NormPlacement { Pre, Post }

    /// <summary>A pool that reduces the innermost remaining axis <paramref name="Over"/>.</summary>
    public sealed record PoolLevel(PoolKind Kind, string Over, PoolOptions Options) : PoolStage;

    /// <summary>Branches that each reduce the same axes from the same input; their widths add up.</summary>
    public sealed record ConcatStage(EquatableList<EquatableList<PoolStage>> Branches) : PoolStage;

    /// <summary>
    /// Options of a pool level. Parameter keys are state_dict prefixes: two levels naming the same key share
    /// that parameter (the reference shares its cls token and gated-attention weights across levels).
    /// </summary>
    public sealed record PoolOptions(
        int AttentionHeads = 8,
        NormPlacement Norm = NormPlacement.Post,
        double Dropout = 0.0,
        int Hidden = 128,
        string TokenKey = "",
        string AttentionKey = "",
        string NormKey = "",
        string GateKey = "");

    public enum TaskKind { Regression, Binary, Multiclass }

    public enum LossKind { Mse, Mae, Rmse, Huber, Bce, Ce, Focal }

    public sealed record HeadSpec(string Name, TaskKind Task, int Outputs, LossKind Loss, double Weight = 1.0)
    {
        public static LossKind DefaultLoss(TaskKind task) =>
            task == TaskKind.Regression ? LossKind.Mse : task == TaskKind.Binary ? LossKind.Bce : LossKind.Ce;

        /// <summary>The state_dict prefix of this head's Linear layer.</summary>
        public string Key => "heads." + Name;
    }

    /// <summary>A learned embedding per view class added to every token of an instance; row <c>Classes</c> is the padding id.</summary>
    public sealed record ViewEmbeddingSpec(int Classes, string Key = "view_embedding");
}
