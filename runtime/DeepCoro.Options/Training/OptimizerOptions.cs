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
    [GenerateWith]
    public sealed partial record OptimizerOptions
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
    }
}
