using System;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Binary: AUC, AUPRC, the threshold maximising sqrt(TPR (1 - FPR)) and F1, precision, recall, accuracy,
    /// specificity and NPV at it (see <see cref="CurveWalk"/>). Resampled within each class.
    /// </summary>
    public sealed class BinarySamples : HeadSamples
    {
        private readonly RankedLabels ranked;
        private readonly int[] strata;
        // a NaN score (a diverged model) has no rank: every metric is undefined rather than a rank made up for it
        private readonly bool undefined;

        public BinarySamples(double[] score, bool[] positive) : base(TaskKind.Binary, positive.Length)
        {
            ranked = new RankedLabels(new Ranking(score), positive, 1);
            strata = positive.Select(p => p ? 1 : 0).ToArray();
            undefined = score.Any(double.IsNaN);
        }

        public override int[]? Strata => strata;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            if (undefined)
            {
                into.Fill(double.NaN);
                return;
            }
            var r = CurveWalk.Walk(ranked, weight, precision: true, threshold: true);
            double tp = r.TruePositives, fp = r.FalsePositives, fn = r.Positives - tp, tn = r.Negatives - fp;
            double precision = Ratio(tp, tp + fp), recall = Ratio(tp, tp + fn);
            into[0] = r.Auc;
            into[1] = r.AveragePrecision;
            into[2] = r.Threshold;
            into[3] = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            into[4] = precision;
            into[5] = recall;
            into[6] = Ratio(tp + tn, r.Positives + r.Negatives);
            into[7] = Ratio(tn, tn + fp);
            into[8] = Ratio(tn, tn + fn);
        }
    }
}
