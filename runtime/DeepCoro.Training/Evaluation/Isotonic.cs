using System;
using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Increasing isotonic regression as scikit-learn's IsotonicRegression(out_of_bounds="clip") fits and predicts:
    /// equal x pooled into their mean y, pool adjacent violators over the sorted x, then linear interpolation between
    /// the fitted points and the end values outside them.
    /// </summary>
    public sealed record Isotonic(double[] X, double[] Y)
    {
        public static Isotonic Fit(double[] x, double[] y)
        {
            var order = Enumerable.Range(0, x.Length).OrderBy(i => x[i]).ToArray();
            var xs = new List<double>();
            var sums = new List<double>();
            var weights = new List<double>();
            foreach (var i in order)
            {
                if (xs.Count > 0 && xs[^1] == x[i]) { sums[^1] += y[i]; weights[^1] += 1; continue; }
                xs.Add(x[i]); sums.Add(y[i]); weights.Add(1);
            }
            // blocks of (sum, weight, count of points), merged while a block's mean is below its predecessor's
            var blockSum = new List<double>();
            var blockWeight = new List<double>();
            var blockCount = new List<int>();
            for (var k = 0; k < xs.Count; k++)
            {
                blockSum.Add(sums[k]); blockWeight.Add(weights[k]); blockCount.Add(1);
                while (blockSum.Count > 1 && blockSum[^2] / blockWeight[^2] >= blockSum[^1] / blockWeight[^1])
                {
                    blockSum[^2] += blockSum[^1]; blockWeight[^2] += blockWeight[^1]; blockCount[^2] += blockCount[^1];
                    blockSum.RemoveAt(blockSum.Count - 1); blockWeight.RemoveAt(blockWeight.Count - 1); blockCount.RemoveAt(blockCount.Count - 1);
                }
            }
            var fitted = new double[xs.Count];
            for (int b = 0, k = 0; b < blockSum.Count; b++)
                for (var j = 0; j < blockCount[b]; j++) fitted[k++] = blockSum[b] / blockWeight[b];
            return new Isotonic(xs.ToArray(), fitted);
        }

        public double Predict(double v)
        {
            if (X.Length == 0 || double.IsNaN(v)) return double.NaN;
            if (v <= X[0]) return Y[0];
            if (v >= X[^1]) return Y[^1];
            var hi = Array.BinarySearch(X, v);
            if (hi >= 0) return Y[hi];
            hi = ~hi;
            var lo = hi - 1;
            return Y[lo] + (v - X[lo]) * (Y[hi] - Y[lo]) / (X[hi] - X[lo]);
        }
    }
}
