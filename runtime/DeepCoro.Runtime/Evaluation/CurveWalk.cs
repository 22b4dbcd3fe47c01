using System;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// One walk down a <see cref="Ranking"/> with sample weights (bootstrap counts; 1 for the plain metrics) gives
    /// ROC AUC (Mann-Whitney, ties counted half), average precision over the distinct thresholds, the threshold that
    /// maximises sqrt(TPR (1 - FPR)) (positive when score >= threshold; the highest wins a tie; 0.5 with one class)
    /// and the weighted counts at it. Groups of zero weight are absent from the resample and are skipped.
    /// </summary>
    internal static class CurveWalk
    {
        internal readonly record struct Result(double Positives, double Negatives, double Auc, double AveragePrecision,
            double Threshold, double TruePositives, double FalsePositives);

        /// <param name="stride">entry j of the ranking belongs to sample j / stride (1, or K for flattened [n, K] scores).</param>
        public static Result Walk(Ranking ranking, ReadOnlySpan<double> weight, bool[] positive, int stride)
        {
            double p = 0, n = 0;
            var order = ranking.Order;
            for (int k = 0; k < order.Length; k++)
            {
                int j = order[k];
                if (positive[j]) p += weight[j / stride]; else n += weight[j / stride];
            }
            bool both = p > 0 && n > 0;
            double tp = 0, fp = 0, auc = 0, ap = 0, lastRecall = 0, best = -1;
            double threshold = 0.5, tpAt = 0, fpAt = 0;
            int start = 0;
            for (int g = 0; g < ranking.GroupEnd.Length; g++)
            {
                double gp = 0, gn = 0;
                int end = ranking.GroupEnd[g];
                for (int k = start; k < end; k++)
                {
                    int j = order[k];
                    if (positive[j]) gp += weight[j / stride]; else gn += weight[j / stride];
                }
                start = end;
                if (gp + gn == 0) continue;
                tp += gp;
                fp += gn;
                auc += gp * (n - fp) + 0.5 * gp * gn;
                if (p > 0)
                {
                    double recall = tp / p;
                    ap += (recall - lastRecall) * tp / (tp + fp);
                    lastRecall = recall;
                }
                double value = ranking.GroupValue[g];
                if (both)
                {
                    double score = Math.Sqrt(tp / p * (1 - fp / n));
                    if (score > best) { best = score; threshold = value; tpAt = tp; fpAt = fp; }
                }
                else if (value >= 0.5) { tpAt = tp; fpAt = fp; }
            }
            return new Result(p, n, both ? auc / (p * n) : double.NaN, p > 0 ? ap : double.NaN, threshold, tpAt, fpAt);
        }
    }
}
