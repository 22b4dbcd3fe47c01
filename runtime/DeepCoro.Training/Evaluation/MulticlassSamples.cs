using System;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Multiclass from probabilities [n][K]: one-vs-rest macro AUC (over classes with both kinds present), micro AUC
    /// (every (sample, class) pair), macro AUPRC, and macro F1/precision/recall over the classes seen in the labels
    /// or the predictions (argmax, the first on a tie), accuracy. Resampled within each class.
    /// </summary>
    public sealed class MulticlassSamples : HeadSamples
    {
        private readonly int classes;
        private readonly int[] label, predicted;
        private readonly RankedLabels[] perClass;
        private readonly RankedLabels flat;
        // a NaN probability (a diverged model) has no rank: every metric is undefined
        private readonly bool undefined;

        public MulticlassSamples(double[][] probability, int[] label, int classes) : base(TaskKind.Multiclass, label.Length)
        {
            this.classes = classes;
            this.label = label;
            undefined = probability.Any(p => p.Any(double.IsNaN));
            predicted = probability.Select(p => Array.IndexOf(p, p.Max())).ToArray();
            perClass = Enumerable.Range(0, classes)
                .Select(c => new RankedLabels(new Ranking(probability.Select(p => p[c]).ToArray()), label.Select(y => y == c).ToArray(), 1)).ToArray();
            flat = new RankedLabels(new Ranking(probability.SelectMany(p => p.Take(classes)).ToArray()),
                label.SelectMany(y => Enumerable.Range(0, classes).Select(c => c == y)).ToArray(), classes);
        }

        public override int[]? Strata => label;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            if (undefined)
            {
                into.Fill(double.NaN);
                return;
            }
            double aucSum = 0, apSum = 0;
            int aucCount = 0, apCount = 0;
            for (var c = 0; c < classes; c++)
            {
                var r = CurveWalk.Walk(perClass[c], weight, precision: true, threshold: false);
                if (!double.IsNaN(r.Auc)) { aucSum += r.Auc; aucCount++; }
                if (!double.IsNaN(r.AveragePrecision)) { apSum += r.AveragePrecision; apCount++; }
            }
            Span<double> tp = stackalloc double[classes], fp = stackalloc double[classes], fn = stackalloc double[classes];
            Span<bool> present = stackalloc bool[classes];
            double n = 0, correct = 0;
            for (var i = 0; i < Count; i++)
            {
                var w = weight[i];
                if (w == 0) continue;
                int y = label[i], p = predicted[i];
                n += w;
                present[y] = present[p] = true;
                if (p == y) { tp[y] += w; correct += w; }
                else { fp[p] += w; fn[y] += w; }
            }
            double f1 = 0, precision = 0, recall = 0;
            var seen = 0;
            for (var c = 0; c < classes; c++)
            {
                if (!present[c]) continue;
                double pc = Ratio(tp[c], tp[c] + fp[c]), rc = Ratio(tp[c], tp[c] + fn[c]);
                precision += pc; recall += rc; f1 += pc + rc > 0 ? 2 * pc * rc / (pc + rc) : 0;
                seen++;
            }
            into[0] = aucCount > 0 ? aucSum / aucCount : double.NaN;
            into[1] = CurveWalk.Walk(flat, weight, precision: false, threshold: false).Auc;
            into[2] = apCount > 0 ? apSum / apCount : double.NaN;
            into[3] = f1 / seen;
            into[4] = precision / seen;
            into[5] = recall / seen;
            into[6] = Ratio(correct, n);
        }
    }
}
