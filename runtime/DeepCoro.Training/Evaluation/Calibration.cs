using System;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Calibration statistics of probabilities under sample weights (bootstrap counts; 1 for the reported values), so
    /// a statistic and its interval come from one implementation: Brier score, ECE (10 equal-width bins, bin
    /// min(floor(10 p), 9), the count-weighted mean over non-empty bins of |mean p - observed rate|), and the
    /// logistic recalibration of y on logit p (Van Calster et al.): the slope is the coefficient of logit p, the
    /// intercept (calibration-in-the-large) the intercept with logit p as an offset. Probabilities are clipped to
    /// [1e-12, 1 - 1e-12] before the logit, so a score of exactly 0 or 1 stays finite.
    /// </summary>
    public static class Calibration
    {
        public const int Bins = 10;

        private const double Clip = 1e-12;

        public static double Logit(double p)
        {
            p = Math.Clamp(p, Clip, 1 - Clip);
            return Math.Log(p / (1 - p));
        }

        public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

        /// <summary>The ECE bin of a probability.</summary>
        public static int Bin(double p) => Math.Clamp((int)Math.Floor(Bins * p), 0, Bins - 1);

        /// <summary>Weighted mean of (p - y)^2; NaN without weight.</summary>
        public static double Brier(ReadOnlySpan<double> p, ReadOnlySpan<double> y, ReadOnlySpan<double> weight)
        {
            double sum = 0, total = 0;
            for (var i = 0; i < p.Length; i++) { sum += weight[i] * (p[i] - y[i]) * (p[i] - y[i]); total += weight[i]; }
            return total > 0 ? sum / total : double.NaN;
        }

        /// <summary>The ECE of probabilities p against outcomes y in [0, 1] (for a top-label ECE: the top probability
        /// against whether the top class is right).</summary>
        public static double Ece(ReadOnlySpan<double> p, ReadOnlySpan<double> y, ReadOnlySpan<double> weight)
        {
            Span<double> sumP = stackalloc double[Bins], sumY = stackalloc double[Bins], count = stackalloc double[Bins];
            double total = 0;
            for (var i = 0; i < p.Length; i++)
            {
                var w = weight[i];
                if (w == 0) continue;
                var b = Bin(p[i]);
                sumP[b] += w * p[i]; sumY[b] += w * y[i]; count[b] += w; total += w;
            }
            if (total == 0) return double.NaN;
            double ece = 0;
            for (var b = 0; b < Bins; b++)
                if (count[b] > 0) ece += Math.Abs(sumP[b] - sumY[b]);
            return ece / total;
        }

        /// <summary>
        /// The weighted logistic regression of y on x (with x's coefficient fixed at 1 as an offset when
        /// <paramref name="offset"/>): (intercept, slope) by Newton's method with step halving on the
        /// log-likelihood; NaN when it does not converge (separated classes, one class).
        /// </summary>
        public static (double Intercept, double Slope) Logistic(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> weight, bool offset)
        {
            double a = 0, b = 1;
            var previous = LogLikelihood(x, y, weight, a, b);
            for (var iteration = 0; iteration < 100; iteration++)
            {
                double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
                for (var i = 0; i < x.Length; i++)
                {
                    var w = weight[i];
                    if (w == 0) continue;
                    double m = Sigmoid(a + b * x[i]), r = w * (y[i] - m), v = w * m * (1 - m);
                    ga += r; gb += r * x[i]; haa += v; hab += v * x[i]; hbb += v * x[i] * x[i];
                }
                double da, db;
                if (offset)
                {
                    if (!(haa > 0)) return (double.NaN, double.NaN);
                    da = ga / haa; db = 0;
                }
                else
                {
                    var det = haa * hbb - hab * hab;
                    if (!(det > 0)) return (double.NaN, double.NaN);
                    da = (hbb * ga - hab * gb) / det; db = (haa * gb - hab * ga) / det;
                }
                double step = 1, next;
                while (true)
                {
                    next = LogLikelihood(x, y, weight, a + step * da, b + step * db);
                    if (next >= previous - 1e-12 * Math.Abs(previous) || step < 1e-10) break;
                    step /= 2;
                }
                a += step * da; b += step * db;
                var converged = Math.Abs(step * da) < 1e-11 * (1 + Math.Abs(a)) && Math.Abs(step * db) < 1e-11 * (1 + Math.Abs(b));
                previous = next;
                if (!double.IsFinite(a) || !double.IsFinite(b) || Math.Abs(a) > 1e6 || Math.Abs(b) > 1e6) break;
                if (converged) return (a, b);
            }
            return (double.NaN, double.NaN);
        }

        private static double LogLikelihood(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> weight, double a, double b)
        {
            double sum = 0;
            for (var i = 0; i < x.Length; i++)
            {
                if (weight[i] == 0) continue;
                var z = a + b * x[i];
                // log(1 + e^z) without overflow: y z - log(1 + e^z)
                var softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                sum += weight[i] * (y[i] * z - softplus);
            }
            return sum;
        }

        /// <summary>The weighted least-squares line of y on x: (intercept, slope);
        /// NaN slope when x is constant.</summary>
        public static (double Intercept, double Slope) Line(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> weight)
        {
            double n = 0, sx = 0, sy = 0;
            for (var i = 0; i < x.Length; i++) { n += weight[i]; sx += weight[i] * x[i]; sy += weight[i] * y[i]; }
            if (n == 0) return (double.NaN, double.NaN);
            double mx = sx / n, my = sy / n, sxx = 0, sxy = 0;
            for (var i = 0; i < x.Length; i++) { sxx += weight[i] * (x[i] - mx) * (x[i] - mx); sxy += weight[i] * (x[i] - mx) * (y[i] - my); }
            if (!(sxx > 0)) return (double.NaN, double.NaN);
            var slope = sxy / sxx;
            return (my - slope * mx, slope);
        }
    }
}
