using System;
using System.Linq;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>A rule's threshold on validation scores: beside the evaluation's ranking, not in DeepCoro.Options with
    /// the rule itself.</summary>
    public static class ThresholdChoice
    {
        /// <summary>
        /// The threshold this rule picks on scores and labels; null when the rule needs both classes and one is
        /// missing (the caller falls back and says so).
        /// </summary>
        public static double? Choose(this ThresholdRule rule, double[] score, bool[] positive)
        {
            if (rule.Kind == "fixed") return rule.Value;
            long p = positive.Count(x => x), n = positive.Length - p;
            if (p == 0 || n == 0) return null;
            var ranking = new Ranking(score);
            long tp = 0, fp = 0;
            double best = double.NaN, bestValue = double.NegativeInfinity;
            // above every score: nothing positive, specificity 1 (only the specificity rule can need it)
            var lowestReaching = Math.BitIncrement(ranking.GroupValue.Length > 0 ? ranking.GroupValue[0] : 0);
            var start = 0;
            for (var g = 0; g < ranking.GroupEnd.Length; g++)
            {
                for (var k = start; k < ranking.GroupEnd[g]; k++)
                    if (positive[ranking.Order[k]]) tp++; else fp++;
                start = ranking.GroupEnd[g];
                var at = ranking.GroupValue[g];
                switch (rule.Kind)
                {
                    case "gmean":
                    case "youden":
                        // sqrt(tp/p (1 - fp/n)) ~ tp (n - fp); tp/p - fp/n ~ tp n - fp p: exact in doubles for counts
                        var criterion = rule.Kind == "gmean" ? (double)tp * (n - fp) : (double)tp * n - (double)fp * p;
                        if (criterion > bestValue) { bestValue = criterion; best = at; }
                        break;
                    case "sensitivity":
                        if (double.IsNaN(best) && (double)tp / p >= rule.Value) best = at;
                        break;
                    default:
                        if (1.0 - (double)fp / n >= rule.Value) lowestReaching = at;
                        break;
                }
            }
            return rule.Kind == "specificity" ? lowestReaching : best;
        }
    }
}
