using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Gaussian-process regression on the unit cube with a Matern 5/2 kernel. Targets are standardised; the length
    /// scale and noise are picked from a fixed grid by the log marginal likelihood, so a fit is deterministic. The
    /// numeric loops are compiled optimised at once: an agent fits a few GPs per process, too few for tiered
    /// compilation to reach them, and it fits them holding the sweep lock.
    /// </summary>
    public sealed class GaussianProcess
    {
        private static readonly double[] LengthScales = { 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0 };
        private static readonly double[] Noises = { 1e-6, 1e-3, 1e-2, 0.1 };

        private readonly double[][] x;
        private readonly double[] alpha;
        private readonly double[,] chol;
        private readonly double mean, scale;

        public double LengthScale { get; }
        public double Noise { get; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public GaussianProcess(IReadOnlyList<double[]> inputs, IReadOnlyList<double> targets)
        {
            var n = inputs.Count;
            if (n == 0 || n != targets.Count) throw new ArgumentException("a GP needs as many targets as inputs, at least one");
            x = new double[n][];
            for (var i = 0; i < n; i++) x[i] = inputs[i];
            double m = 0;
            foreach (var t in targets) m += t;
            m /= n;
            double v = 0;
            foreach (var t in targets) v += (t - m) * (t - m);
            var s = n > 1 ? Math.Sqrt(v / n) : 1;
            mean = m;
            scale = s > 1e-12 ? s : 1;
            var y = new double[n];
            for (var i = 0; i < n; i++) y[i] = (targets[i] - mean) / scale;

            var best = double.NegativeInfinity;
            double[,]? bestL = null;
            double[]? bestAlpha = null;
            foreach (var l in LengthScales)
            {
                foreach (var noise in Noises)
                {
                    var k = new double[n, n];
                    for (var i = 0; i < n; i++)
                    {
                        for (var j = 0; j <= i; j++)
                            k[i, j] = k[j, i] = Kernel(x[i], x[j], l) + (i == j ? noise : 0);
                    }

                    if (!Cholesky(k, n)) continue;
                    var a = Solve(k, n, y);
                    double lml = 0;
                    for (var i = 0; i < n; i++) lml += -0.5 * y[i] * a[i] - Math.Log(k[i, i]);
                    if (lml > best) { best = lml; bestL = k; bestAlpha = a; LengthScale = l; Noise = noise; }
                }
            }

            chol = bestL ?? throw new InvalidOperationException("no kernel setting gave a positive-definite covariance");
            alpha = bestAlpha!;
        }

        /// <summary>Posterior mean and standard deviation of the latent
        /// function at <paramref name="at"/>, in target units.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public (double Mean, double Std) Predict(double[] at)
        {
            var n = x.Length;
            var k = new double[n];
            for (var i = 0; i < n; i++) k[i] = Kernel(x[i], at, LengthScale);
            double mu = 0;
            for (var i = 0; i < n; i++) mu += k[i] * alpha[i];
            // v = L^-1 k, variance = k(at, at) - v.v
            var w = (double[])k.Clone();
            for (var i = 0; i < n; i++)
            {
                var sum = w[i];
                for (var j = 0; j < i; j++) sum -= chol[i, j] * w[j];
                w[i] = sum / chol[i, i];
            }
            double var = 1;
            for (var i = 0; i < n; i++) var -= w[i] * w[i];
            return (mean + scale * mu, scale * Math.Sqrt(Math.Max(var, 1e-12)));
        }

        /// <summary>Expected improvement below <paramref name="best"/> (minimisation),
        /// with exploration margin <paramref name="xi"/>.</summary>
        public double ExpectedImprovement(double[] at, double best, double xi = 0.01)
        {
            var (mu, sd) = Predict(at);
            var margin = best - mu - xi * scale;
            var z = margin / sd;
            return margin * Normal.Cdf(z) + sd * Normal.Pdf(z);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static double Kernel(double[] a, double[] b, double lengthScale)
        {
            double d2 = 0;
            for (var i = 0; i < a.Length; i++) { var d = a[i] - b[i]; d2 += d * d; }
            var r = Math.Sqrt(5 * d2) / lengthScale;
            return (1 + r + r * r / 3) * Math.Exp(-r);
        }

        /// <summary>In-place lower Cholesky factor; false when the matrix is not positive definite.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool Cholesky(double[,] a, int n)
        {
            for (var j = 0; j < n; j++)
            {
                var d = a[j, j];
                for (var k = 0; k < j; k++) d -= a[j, k] * a[j, k];
                if (d <= 1e-12) return false;
                a[j, j] = Math.Sqrt(d);
                for (var i = j + 1; i < n; i++)
                {
                    var s = a[i, j];
                    for (var k = 0; k < j; k++) s -= a[i, k] * a[j, k];
                    a[i, j] = s / a[j, j];
                }
                for (var i = 0; i < j; i++) a[i, j] = 0;
            }
            return true;
        }

        /// <summary>Solves (L L^T) z = y given the factor L.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static double[] Solve(double[,] l, int n, double[] y)
        {
            var z = (double[])y.Clone();
            for (var i = 0; i < n; i++)
            {
                var s = z[i];
                for (var k = 0; k < i; k++) s -= l[i, k] * z[k];
                z[i] = s / l[i, i];
            }
            for (var i = n - 1; i >= 0; i--)
            {
                var s = z[i];
                for (var k = i + 1; k < n; k++) s -= l[k, i] * z[k];
                z[i] = s / l[i, i];
            }
            return z;
        }
    }
}
