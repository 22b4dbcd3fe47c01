using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Video
{
    /// <summary>
    /// Per-channel mean and standard deviation of unnormalised frames, computed as the reference's
    /// calculate_dataset_statistics_ddp computes them when dataset_mean / dataset_std are not given: over the first
    /// batch only (up to 4 videos, the first that exist; one that fails to load is dropped, not replaced), each
    /// sampled to its frame count and resized to 224 x 224 whatever the resize setting, population std.
    /// </summary>
    public sealed record DatasetStatistics(double[] Mean, double[] Std, IReadOnlyList<string> Videos)
    {
        /// <summary>The reference's stats loader always resizes to load_video's default, not to `resize`.</summary>
        public const int StatisticsSize = 224;

        /// <param name="batch">the reference's stats batch: max(1, min(batch_size, 4)).</param>
        public static DatasetStatistics Compute(IEnumerable<string> videos, FrameSampling sampling, int batch, int seed = 0)
        {
            var first = videos.Where(File.Exists).Take(Math.Max(1, batch)).ToList();
            double[] sum = new double[3], squares = new double[3];
            long pixels = 0;
            var used = new List<string>();
            foreach (var path in first)
            {
                DecodedVideo decoded;
                try { decoded = VideoDecoder.Decode(path, sampling.StrideFor(path, seed, -1)); }
                catch (VideoException) { continue; }
                if (decoded.Frames == 0) continue;
                using var scope = NewDisposeScope();
                var x = FrameSampler.Sample(decoded, sampling.Frames, StatisticsSize, 0, 1).to(ScalarType.Float64).flatten(1);
                var s = x.sum(1).data<double>().ToArray();
                var q = x.square().sum(1).data<double>().ToArray();
                for (var c = 0; c < 3; c++) { sum[c] += s[c]; squares[c] += q[c]; }
                pixels += x.shape[1];
                used.Add(path);
            }
            if (pixels == 0)
                throw new VideoException($"dataset statistics: none of the first {first.Count} existing videos could be read; give dataset_mean and dataset_std");
            var mean = sum.Select(v => v / pixels).ToArray();
            var std = squares.Select((v, c) => Math.Sqrt(Math.Max(0, v / pixels - mean[c] * mean[c]))).ToArray();
            return new DatasetStatistics(mean, std, used);
        }
    }
}
