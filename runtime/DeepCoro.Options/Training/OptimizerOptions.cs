using System.Collections.Generic;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The optimizer and the reference's parameter groups. A group's rate or decay falls back to the next more
    /// general one: head -> lr; attention (gated V/U/w) -> lr; cls/across (cls token, its attention and norm
    /// layers) -> attention_across_lr, else attention_lr, else lr; cls/within (the layers of levels inside a video,
    /// only when attention_within_lr or its decay is given) -> attention_within_lr, else the cls/across rate; view
    /// embedding -> lr. With <see cref="TrainPooling"/> false the pooling's own parameters (cls token, attention
    /// layers, norms, gates) are frozen, as DeepCORO_CLIP's train_pooling_params: false.
    /// </summary>
    public sealed record OptimizerOptions
    {
        public OptimizerKind Kind { get; init; } = OptimizerKind.AdamW;
        public double Lr { get; init; } = 1e-4;
        public double WeightDecay { get; init; } = 0.01;
        public double Beta1 { get; init; } = 0.9;
        public double Beta2 { get; init; } = 0.999;
        public double Eps { get; init; } = 1e-8;
        public IReadOnlyDictionary<string, double> HeadLr { get; init; } = new Dictionary<string, double>();
        public IReadOnlyDictionary<string, double> HeadWeightDecay { get; init; } = new Dictionary<string, double>();
        public double? AttentionLr { get; init; }
        public double? AttentionWeightDecay { get; init; }
        public double? AttentionAcrossLr { get; init; }
        public double? AttentionAcrossWeightDecay { get; init; }
        public double? AttentionWithinLr { get; init; }
        public double? AttentionWithinWeightDecay { get; init; }
        public double? ViewEmbeddingLr { get; init; }
        public double? ViewEmbeddingWeightDecay { get; init; }
        public bool TrainPooling { get; init; } = true;

        /// <summary>A copy with the given options changed: C#'s
        /// <c>with</c> for callers without it, such as F#.</summary>
        public OptimizerOptions With(
            OptimizerKind? kind = null, double? lr = null, double? weightDecay = null, double? beta1 = null, double? beta2 = null, double? eps = null,
            IReadOnlyDictionary<string, double>? headLr = null, IReadOnlyDictionary<string, double>? headWeightDecay = null,
            double? attentionLr = null, double? attentionWeightDecay = null, double? attentionAcrossLr = null, double? attentionAcrossWeightDecay = null,
            double? attentionWithinLr = null, double? attentionWithinWeightDecay = null, double? viewEmbeddingLr = null,
            double? viewEmbeddingWeightDecay = null, bool? trainPooling = null) =>
            this with
            {
                Kind = kind ?? Kind,
                Lr = lr ?? Lr,
                WeightDecay = weightDecay ?? WeightDecay,
                Beta1 = beta1 ?? Beta1,
                Beta2 = beta2 ?? Beta2,
                Eps = eps ?? Eps,
                HeadLr = headLr ?? HeadLr,
                HeadWeightDecay = headWeightDecay ?? HeadWeightDecay,
                AttentionLr = attentionLr ?? AttentionLr,
                AttentionWeightDecay = attentionWeightDecay ?? AttentionWeightDecay,
                AttentionAcrossLr = attentionAcrossLr ?? AttentionAcrossLr,
                AttentionAcrossWeightDecay = attentionAcrossWeightDecay ?? AttentionAcrossWeightDecay,
                AttentionWithinLr = attentionWithinLr ?? AttentionWithinLr,
                AttentionWithinWeightDecay = attentionWithinWeightDecay ?? AttentionWithinWeightDecay,
                ViewEmbeddingLr = viewEmbeddingLr ?? ViewEmbeddingLr,
                ViewEmbeddingWeightDecay = viewEmbeddingWeightDecay ?? ViewEmbeddingWeightDecay,
                TrainPooling = trainPooling ?? TrainPooling,
            };
    }
}
