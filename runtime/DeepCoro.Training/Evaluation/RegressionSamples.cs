using System;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>Regression: MAE, MSE, RMSE, Pearson r and R² (NaN with constant targets or predictions).</summary>
    public sealed class RegressionSamples : HeadSamples
    {
        private readonly double[] prediction, target;

        public RegressionSamples(double[] prediction, double[] target) : base(TaskKind.Regression, target.Length)
        {
            this.prediction = prediction;
            this.target = target;
        }

        public override int[]? Strata => null;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            double n = 0, absolute = 0, squared = 0, sumY = 0, sumP = 0;
            for (var i = 0; i < Count; i++)
            {
                double w = weight[i], e = prediction[i] - target[i];
                n += w; absolute += w * Math.Abs(e); squared += w * e * e; sumY += w * target[i]; sumP += w * prediction[i];
            }
            double mse = squared / n, my = sumY / n, mp = sumP / n, sxy = 0, sxx = 0, syy = 0;
            for (var i = 0; i < Count; i++)
            {
                double w = weight[i], dp = prediction[i] - mp, dy = target[i] - my;
                sxy += w * dp * dy; sxx += w * dp * dp; syy += w * dy * dy;
            }
            into[0] = absolute / n;
            into[1] = mse;
            into[2] = Math.Sqrt(mse);
            into[3] = sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
            into[4] = syy > 0 ? 1 - mse * n / syy : double.NaN;
        }
    }
}
