using System.Collections.Generic;
using DeepCoro.Runtime.Evaluation;

namespace DeepCoro.Runtime.Report
{
    /// <summary>The ROC and precision-recall curves of binary scores, one point per distinct threshold (positive when
    /// score >= it).</summary>
    public static class CurvePoints
    {
        public sealed record Curve(double[] X, double[] Y);

        /// <summary>(false positive rate, true positive rate), from (0, 0) to (1, 1).</summary>
        public static Curve Roc(double[] score, bool[] positive) => Walk(score, positive, roc: true);

        /// <summary>(recall, precision) from the highest threshold down.</summary>
        public static Curve PrecisionRecall(double[] score, bool[] positive) => Walk(score, positive, roc: false);

        /// <summary>(false positive rate, true positive rate, precision, recall) at one threshold.</summary>
        public static (double Fpr, double Tpr, double Precision) At(double[] score, bool[] positive, double threshold)
        {
            double tp = 0, fp = 0, p = 0, n = 0;
            for (var i = 0; i < score.Length; i++)
            {
                if (positive[i]) p++; else n++;
                if (score[i] >= threshold) { if (positive[i]) tp++; else fp++; }
            }
            return (n > 0 ? fp / n : 0, p > 0 ? tp / p : 0, tp + fp > 0 ? tp / (tp + fp) : 1);
        }

        private static Curve Walk(double[] score, bool[] positive, bool roc)
        {
            var ranking = new Ranking(score);
            double p = 0, n = 0;
            foreach (var b in positive) if (b) p++; else n++;
            var xs = new List<double>();
            var ys = new List<double>();
            if (roc) { xs.Add(0); ys.Add(0); }
            double tp = 0, fp = 0;
            var start = 0;
            for (var g = 0; g < ranking.GroupEnd.Length; g++)
            {
                for (var k = start; k < ranking.GroupEnd[g]; k++) if (positive[ranking.Order[k]]) tp++; else fp++;
                start = ranking.GroupEnd[g];
                if (roc) { xs.Add(n > 0 ? fp / n : 0); ys.Add(p > 0 ? tp / p : 0); }
                else { xs.Add(p > 0 ? tp / p : 0); ys.Add(tp / (tp + fp)); }
            }
            return new Curve(xs.ToArray(), ys.ToArray());
        }
    }
}
