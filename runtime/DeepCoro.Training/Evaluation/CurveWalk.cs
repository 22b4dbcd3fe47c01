using System;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// One walk down a ranking with sample weights (bootstrap counts; 1 for the plain metrics) gives ROC AUC
    /// (Mann-Whitney, ties counted half) and, when asked, average precision over the distinct thresholds and the
    /// threshold that maximises sqrt(TPR (1 - FPR)) (positive when score >= threshold; the highest wins a tie; 0.5
    /// with one class) and the weighted counts at it. Groups of zero weight are absent from the resample and skipped.
    /// </summary>
    internal static class CurveWalk
    {
        internal readonly record struct Result(double Positives, double Negatives, double Auc, double AveragePrecision,
            double Threshold, double TruePositives, double FalsePositives);

        public static Result Walk(RankedLabels ranked, ReadOnlySpan<double> weight, bool precision, bool threshold)
        {
            double p = 0, n = 0;
            for (var i = 0; i < weight.Length; i++) { p += weight[i] * ranked.PositivesOf[i]; n += weight[i] * ranked.NegativesOf[i]; }
            var both = p > 0 && n > 0;
            double tp = 0, fp = 0, auc = 0, ap = 0, lastRecall = 0, best = -1;
            double at = 0.5, tpAt = 0, fpAt = 0;
            var sample = ranked.Sample;
            var positive = ranked.Positive;
            var start = 0;
            for (var g = 0; g < ranked.GroupEnd.Length; g++)
            {
                double gp = 0, gn = 0;
                var end = ranked.GroupEnd[g];
                for (var k = start; k < end; k++)
                {
                    var w = weight[sample[k]];
                    gp += w * positive[k];
                    gn += w - w * positive[k];
                }
                start = end;
                // a group absent from the resample adds nothing below; only the threshold search must skip it
                // (it would offer the group's value as a threshold), and it is a branch the CPU mispredicts often
                if (threshold && gp + gn == 0) continue;
                tp += gp;
                fp += gn;
                auc += gp * (n - fp) + 0.5 * gp * gn;
                if (precision && p > 0)
                {
                    var recall = tp / p;
                    // before the first present group tp = fp = 0: 0 x 0 / 1, not 0 / 0
                    ap += (recall - lastRecall) * tp / Math.Max(tp + fp, 1);
                    lastRecall = recall;
                }
                if (!threshold) continue;
                var value = ranked.GroupValue[g];
                if (both)
                {
                    var score = Math.Sqrt(tp / p * (1 - fp / n));
                    if (score > best) { best = score; at = value; tpAt = tp; fpAt = fp; }
                }
                else if (value >= 0.5) { tpAt = tp; fpAt = fp; }
            }
            return new Result(p, n, both ? auc / (p * n) : double.NaN, precision && p > 0 ? ap : double.NaN, at, tpAt, fpAt);
        }
    }
}
