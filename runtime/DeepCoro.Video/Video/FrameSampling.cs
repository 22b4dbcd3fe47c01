using System;
using System.Globalization;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Video
{
    /// <summary>
    /// How frames are taken from a decoded video, as the reference's VideoDataset and load_video take them
    /// (docs/videos.md lists every step): <see cref="Frames"/> frames, every <see cref="Stride"/>-th frame read
    /// (with <see cref="RandomStride"/>, a stride drawn uniformly from 1..Stride per load, as the reference always
    /// does when its stride exceeds 1), resized to <see cref="Resize"/> x <see cref="Resize"/>, normalised as
    /// (x - <see cref="Mean"/>) / <see cref="Std"/> on the 0..255 scale. Mean and std are single numbers: the
    /// reference passes only the first channel's value of dataset_mean / dataset_std to every channel.
    /// </summary>
    public sealed record FrameSampling
    {
        public int Frames { get; init; } = 16;
        public int Stride { get; init; } = 1;
        public bool RandomStride { get; init; } = true;
        public int Resize { get; init; } = 224;
        public double Mean { get; init; }
        public double Std { get; init; } = 1;
        /// <summary>Each load goes through <see cref="Video.RandAugment"/> with its own draw.</summary>
        public bool RandAugment { get; init; }

        /// <summary>True when every load of a video gives the same frames (stride 1, or a fixed stride).</summary>
        public bool Deterministic => (Stride == 1 || !RandomStride) && !RandAugment;

        /// <summary>
        /// The stride one load uses: the fixed stride, or the reference's draw from 1..Stride, here seeded by the
        /// video, the seed and the pass, so that a rerun draws the same.
        /// </summary>
        public int StrideFor(string video, int seed, int pass)
        {
            if (Stride == 1 || !RandomStride) return Stride;
            var random = new Random(Seeding.Mix(seed, pass, StableHash(video)));
            return random.Next(1, Stride + 1);
        }

        /// <summary>The augmentation's draws for one load (seeded like the stride's),
        /// or null without augmentation.</summary>
        public Random? AugmentationFor(string video, int seed, int pass) =>
            RandAugment ? new Random(Seeding.Mix(seed, pass, ~StableHash(video))) : null;

        /// <summary>Throws on values the reference would fail on later, naming the key.</summary>
        public void Check()
        {
            if (Frames < 1) throw new DeepCoroUserException($"frames: {Frames}; must be at least 1");
            if (Stride < 1) throw new DeepCoroUserException($"stride: {Stride}; must be at least 1");
            if (Resize < 1) throw new DeepCoroUserException($"resize: {Resize}; must be at least 1");
            if (!double.IsFinite(Mean)) throw new DeepCoroUserException($"dataset_mean: {Mean}; must be a finite number");
            if (!(Std > 0) || !double.IsFinite(Std)) throw new DeepCoroUserException($"dataset_std: {Std}; must be a positive finite number");
        }

        /// <summary>The settings as text, stored with every file
        /// made from them so that a resumed run can tell.</summary>
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"frames={Frames} stride={Stride}{(Stride > 1 ? (RandomStride ? " random" : " fixed") : "")} resize={Resize} mean={Mean:R} std={Std:R}{(RandAugment ? " randaugment" : "")}");

        private static int StableHash(string s)
        {
            unchecked
            {
                var h = (int)2166136261;
                foreach (var c in s) h = (h ^ c) * 16777619;
                return h;
            }
        }
    }
}
