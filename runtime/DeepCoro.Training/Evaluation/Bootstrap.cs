using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Percentile bootstrap intervals. A resample is a vector of counts (how often each sample was drawn), drawn
    /// within each class for classification heads (stratified: every resample keeps the class sizes, so AUC stays
    /// defined) and over all samples for regression; the metrics are evaluated under those counts over the order
    /// sorted once (<see cref="HeadSamples"/>), never on a copied and re-sorted sample. Resample b draws from its own
    /// generator seeded by (seed, stream, b), so the result does not depend on the threads that computed it.
    /// Measured by `deepcoro bench --intervals 10000` (docs/monitoring.md).
    /// </summary>
    public static class Bootstrap
    {
        /// <summary>One interval per metric of <paramref name="samples"/>,
        /// in its <see cref="HeadSamples.Names"/> order.</summary>
        public static MetricInterval[] Intervals(HeadSamples samples, IntervalOptions options, int seed, int stream)
        {
            options.Check();
            int metrics = samples.Names.Count, resamples = options.Resamples;
            if (resamples == 0 || samples.Count == 0) return Enumerable.Repeat(new MetricInterval(double.NaN, double.NaN), metrics).ToArray();
            var strata = Groups(samples.Strata, samples.Count);
            var values = new double[resamples * metrics];
            Parallel.For(0, resamples, () => new double[samples.Count], (b, _, weight) =>
            {
                Array.Clear(weight);
                var rng = new SplitMix64(Seeding.Mix(seed, stream, b));
                foreach (var members in strata)
                    for (var t = 0; t < members.Length; t++) weight[members[rng.Below(members.Length)]] += 1;
                samples.Evaluate(weight, values.AsSpan(b * metrics, metrics));
                return weight;
            }, _ => { });
            var lower = (1 - options.Level) / 2;
            var intervals = new MetricInterval[metrics];
            var column = new List<double>(resamples);
            for (var m = 0; m < metrics; m++)
            {
                column.Clear();
                for (var b = 0; b < resamples; b++)
                    if (double.IsFinite(values[b * metrics + m])) column.Add(values[b * metrics + m]);
                column.Sort();
                intervals[m] = new MetricInterval(Percentile(column, lower), Percentile(column, 1 - lower));
            }
            return intervals;
        }

        /// <summary>The q-quantile of sorted values with linear interpolation
        /// between ranks (numpy's default); NaN when empty.</summary>
        public static double Percentile(IReadOnlyList<double> sorted, double q)
        {
            if (sorted.Count == 0) return double.NaN;
            var position = q * (sorted.Count - 1);
            var below = (int)Math.Floor(position);
            if (below >= sorted.Count - 1) return sorted[^1];
            return sorted[below] + (position - below) * (sorted[below + 1] - sorted[below]);
        }

        /// <summary>The members of each stratum; one stratum of everyone without strata.</summary>
        private static int[][] Groups(int[]? strata, int count) =>
            strata is null
                ? new[] { Enumerable.Range(0, count).ToArray() }
                : Enumerable.Range(0, count).GroupBy(i => strata[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
    }
}
