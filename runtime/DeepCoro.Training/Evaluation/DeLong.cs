using System;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// DeLong, DeLong and Clarke-Pearson (1988) by the midrank form of Sun and Xu (2014), O(n log n): with m
    /// positives and n negatives, the structural component of positive i is V10_i = (Tz_i - Tx_i) / n and of
    /// negative j V01_j = 1 - (Tz_j - Ty_j) / m, where Tz is the midrank among all studies and Tx, Ty among the
    /// positives, negatives (ties count one half, positives are expected to score higher). The AUC is their mean;
    /// S10 and S01 are their sample covariances (divisor m - 1, n - 1) and var = S10 / m + S01 / n, as pROC computes.
    /// </summary>
    public static class DeLong
    {
        /// <summary>One AUC, its DeLong variance and interval (pROC <c>ci.auc(method = "delong")</c>).</summary>
        public static DeLongAuc Interval(double[] score, bool[] positive, double level)
        {
            CheckLevel(level);
            var (m, n, theta, v10, v01) = Components(score, positive);
            if (m < 2 || n < 2 || double.IsNaN(theta)) return new DeLongAuc(theta, double.NaN, double.NaN, double.NaN, level, m, n);
            var variance = Covariance(v10, v10) / m + Covariance(v01, v01) / n;
            var half = StandardNormal.Quantile(1 - (1 - level) / 2) * Math.Sqrt(variance);
            return new DeLongAuc(theta, variance, Math.Clamp(theta - half, 0, 1), Math.Clamp(theta + half, 0, 1), level, m, n);
        }

        /// <summary>DeLong's paired test of AUC A against AUC B on the same
        /// studies (scores in the same order, one label each).</summary>
        public static DeLongTest Paired(double[] scoreA, double[] scoreB, bool[] positive, double level)
        {
            CheckLevel(level);
            if (scoreA.Length != scoreB.Length || scoreA.Length != positive.Length)
                throw new ArgumentException($"DeLong: {scoreA.Length} and {scoreB.Length} scores for {positive.Length} labels; a paired test needs one of each per study");
            var a = Components(scoreA, positive);
            var b = Components(scoreB, positive);
            int m = a.Positives, n = a.Negatives;
            var difference = a.Theta - b.Theta;
            if (m < 2 || n < 2 || double.IsNaN(difference))
                return new DeLongTest(a.Theta, b.Theta, difference, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, level, m, n);
            var s10 = Covariance(a.V10, a.V10) + Covariance(b.V10, b.V10) - 2 * Covariance(a.V10, b.V10);
            var s01 = Covariance(a.V01, a.V01) + Covariance(b.V01, b.V01) - 2 * Covariance(a.V01, b.V01);
            // rounding can leave a tiny negative where the two models' components are equal
            var error = Math.Sqrt(Math.Max(0, s10 / m + s01 / n));
            // pROC: 0 / 0 (identical rankings) is z = 0, not undefined
            var z = difference == 0 && error == 0 ? 0 : difference / error;
            var p = 2 * StandardNormal.Cdf(-Math.Abs(z));
            var half = StandardNormal.Quantile(1 - (1 - level) / 2) * error;
            return new DeLongTest(a.Theta, b.Theta, difference, error, z, p, difference - half, difference + half, level, m, n);
        }

        private readonly record struct Placements(int Positives, int Negatives, double Theta, double[] V10, double[] V01);

        private static Placements Components(double[] score, bool[] positive)
        {
            if (score.Length != positive.Length) throw new ArgumentException($"DeLong: {score.Length} scores for {positive.Length} labels");
            var cases = score.Where((_, i) => positive[i]).ToArray();
            var controls = score.Where((_, i) => !positive[i]).ToArray();
            int m = cases.Length, n = controls.Length;
            if (m == 0 || n == 0 || score.Any(double.IsNaN)) return new Placements(m, n, double.NaN, Array.Empty<double>(), Array.Empty<double>());
            var all = Midranks(cases.Concat(controls).ToArray());
            var tx = Midranks(cases);
            var ty = Midranks(controls);
            var v10 = new double[m];
            var v01 = new double[n];
            double rankSum = 0;
            for (var i = 0; i < m; i++) { v10[i] = (all[i] - tx[i]) / n; rankSum += all[i]; }
            for (var j = 0; j < n; j++) v01[j] = 1 - (all[m + j] - ty[j]) / m;
            var theta = (rankSum - m * (m + 1.0) / 2) / ((double)m * n);
            return new Placements(m, n, theta, v10, v01);
        }

        /// <summary>1-based ranks, tied values sharing the mean of their ranks.</summary>
        private static double[] Midranks(double[] values)
        {
            var order = Enumerable.Range(0, values.Length).ToArray();
            var keys = (double[])values.Clone();
            Array.Sort(keys, order);
            var ranks = new double[values.Length];
            for (var start = 0; start < keys.Length;)
            {
                var end = start;
                while (end < keys.Length && keys[end] == keys[start]) end++;
                var mid = (start + 1 + end) / 2.0;
                for (var k = start; k < end; k++) ranks[order[k]] = mid;
                start = end;
            }
            return ranks;
        }

        /// <summary>The sample covariance (divisor count - 1) of two equally long series.</summary>
        private static double Covariance(double[] x, double[] y)
        {
            double mx = x.Average(), my = y.Average(), sum = 0;
            for (var i = 0; i < x.Length; i++) sum += (x[i] - mx) * (y[i] - my);
            return sum / (x.Length - 1);
        }

        private static void CheckLevel(double level)
        {
            if (!(level > 0 && level < 1)) throw new DeepCoroUserException($"level {level}: expected a share strictly between 0 and 1 (e.g. 0.95)");
        }
    }
}
