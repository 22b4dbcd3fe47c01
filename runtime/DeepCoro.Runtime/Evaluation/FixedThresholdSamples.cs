using System;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Binary metrics at a threshold fixed in advance (chosen on another split): AUC and AUPRC as
    /// <see cref="BinarySamples"/> computes them, and F1, precision (PPV), recall (sensitivity), accuracy,
    /// specificity and NPV of "positive when score >= threshold" (NaN when their denominator is 0, where a subgroup
    /// lacks a class or nothing is called); the best_threshold slot holds that threshold. Its
    /// names are the binary ones, so <see cref="Bootstrap"/> resamples it like any head.
    /// </summary>
    public sealed class FixedThresholdSamples : HeadSamples
    {
        private readonly RankedLabels ranked;
        private readonly double threshold;
        private readonly double[] score;
        private readonly bool[] positive;
        private readonly int[] strata;
        private readonly bool undefined;

        public FixedThresholdSamples(double[] score, bool[] positive, double threshold) : base(TaskKind.Binary, positive.Length)
        {
            this.score = score;
            this.positive = positive;
            this.threshold = threshold;
            ranked = new RankedLabels(new Ranking(score), positive, 1);
            strata = positive.Select(p => p ? 1 : 0).ToArray();
            undefined = score.Any(double.IsNaN);
        }

        public override int[]? Strata => strata;

        /// <summary>NaN when nothing was counted: a subgroup without positives has no sensitivity (not 0).</summary>
        private static double Share(double a, double b) => b == 0 ? double.NaN : a / b;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            if (undefined)
            {
                into.Fill(double.NaN);
                return;
            }
            var r = CurveWalk.Walk(ranked, weight, precision: true, threshold: false);
            double tp = 0, fp = 0, fn = 0, tn = 0;
            for (int i = 0; i < Count; i++)
            {
                double w = weight[i];
                bool called = score[i] >= threshold;
                if (positive[i]) { if (called) tp += w; else fn += w; }
                else if (called) fp += w;
                else tn += w;
            }
            into[0] = r.Auc;
            into[1] = r.AveragePrecision;
            into[2] = threshold;
            into[3] = Share(2 * tp, 2 * tp + fp + fn);
            into[4] = Share(tp, tp + fp);
            into[5] = Share(tp, tp + fn);
            into[6] = Share(tp + tn, tp + tn + fp + fn);
            into[7] = Share(tn, tn + fp);
            into[8] = Share(tn, tn + fn);
        }
    }
}
