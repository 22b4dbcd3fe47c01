using System.Collections.Generic;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// A video encoder in a training run, as the reference's config keys describe it: the TorchScript file, the freeze
    /// rule (video_freeze_ratio, video_encoder_lr, video_encoder_weight_decay) and the frame sampling (frames, stride,
    /// resize, dataset_mean, dataset_std); then where the frozen prefix's outputs are kept.
    /// </summary>
    [GenerateWith]
    public sealed partial record EncoderOptions
    {
        /// <summary>The encoder, exported by tools/export_encoder.py.</summary>
        public required string Path { get; init; }
        /// <summary>video_freeze_ratio: the share of the backbone's parameter tensors that train (1.0:
        /// none, see Encoders/FreezeRule in DeepCoro.Video).</summary>
        public double FreezeRatio { get; init; } = 0.8;
        /// <summary>video_encoder_lr: the rate of the video_encoder parameter group.</summary>
        public double Lr { get; init; } = 1e-5;
        /// <summary>video_encoder_weight_decay.</summary>
        public double WeightDecay { get; init; }
        public int Frames { get; init; } = 16;
        public int Stride { get; init; } = 1;
        /// <summary>The reference draws a stride from 1..stride at every load when stride exceeds 1; false takes
        /// every stride-th frame.</summary>
        public bool RandomStride { get; init; } = true;
        /// <summary>rand_augment: the training videos through RandAugment (DeepCoro.Video) at every epoch (never
        /// validation or test).</summary>
        public bool RandAugment { get; init; }
        public int Resize { get; init; } = 224;
        /// <summary>dataset_mean / dataset_std as written (the reference applies the first value to every channel);
        /// null: computed as the reference computes them.</summary>
        public IReadOnlyList<double>? DatasetMean { get; init; }
        public IReadOnlyList<double>? DatasetStd { get; init; }
        /// <summary>Where the frozen prefix's outputs are written, one folder per encoder, cut and sampling; null:
        /// beside the manifest.</summary>
        public string? CacheDirectory { get; init; }
        /// <summary>Cache as float16 (half the disk, rounding of about 1e-3 relative) or float32 (exact).</summary>
        public bool HalfPrecisionCache { get; init; } = true;
        /// <summary>Videos decoded at once while the encoder runs.</summary>
        public int DecodeThreads { get; init; } = 2;
    }
}
