using System;
using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// A histogram as TensorBoard's HistogramProto holds it: count, sum, sum of squares, extremes, and per bucket its
    /// upper edge and count (bucket 0 reaches down to the minimum).
    /// </summary>
    public sealed record Histogram(double Min, double Max, double Count, double Sum, double SumSquares, double[] BucketLimits, double[] BucketCounts)
    {
        /// <summary>Equal-width buckets between the extremes of
        /// <paramref name="values"/> (TensorBoard's own default, 30).</summary>
        public static Histogram Of(IReadOnlyList<float> values, int buckets = 30)
        {
            if (values.Count == 0) return new Histogram(0, 0, 0, 0, 0, new[] { 0.0 }, new[] { 0.0 });
            double min = values.Min(), max = values.Max();
            var width = max > min ? (max - min) / buckets : 1;
            var counts = new double[buckets];
            double sum = 0, squares = 0;
            foreach (var v in values)
            {
                counts[Math.Clamp((int)((v - min) / width), 0, buckets - 1)]++;
                sum += v;
                squares += (double)v * v;
            }
            var limits = Enumerable.Range(1, buckets).Select(i => min + i * width).ToArray();
            return new Histogram(min, max, values.Count, sum, squares, limits, counts);
        }
    }
}
