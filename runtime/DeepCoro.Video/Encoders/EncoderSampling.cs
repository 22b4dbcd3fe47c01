using System.Collections.Generic;
using DeepCoro.Runtime.Video;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>The frame sampling an encoder's options give; here, as it builds a Video type, not beside the options
    /// (DeepCoro.Options holds no video code).</summary>
    public static class EncoderSampling
    {
        /// <summary>The sampling these options give, with mean and std from
        /// the options or else from <paramref name="computed"/>.</summary>
        public static FrameSampling Sampling(this EncoderOptions options, DatasetStatistics? computed)
        {
            static double First(IReadOnlyList<double>? given, double[]? fallback, string key) =>
                given is { Count: > 0 } ? given[0]
                : fallback?[0] ?? throw new DeepCoroUserException($"{key}: not given; it is computed from the training videos when absent");
            var sampling = new FrameSampling
            {
                Frames = options.Frames,
                Stride = options.Stride,
                RandomStride = options.RandomStride,
                Resize = options.Resize,
                Mean = First(options.DatasetMean, computed?.Mean, "dataset_mean"),
                Std = First(options.DatasetStd, computed?.Std, "dataset_std"),
            };
            sampling.Check();
            return sampling;
        }
    }
}
