using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Evaluation metrics on plain arrays (labelled samples only). Undefined values are NaN: AUC with one class
    /// present, Pearson/R² with constant targets, every ranking metric when a score is NaN (a diverged model).
    /// Metrics.md-style names: the keys below, prefixed by the head.
    /// </summary>
    public static class Metrics
    {
        public static OrderedDictionary<string, double> Regression(double[] pred, double[] y)
        {
            int n = y.Length;
            double mae = 0, mse = 0;
            for (int i = 0; i < n; i++) { double e = pred[i] - y[i]; mae += Math.Abs(e); mse += e * e; }
            mae /= n; mse /= n;
            double my = y.Average(), mp = pred.Average(), sxy = 0, sxx = 0, syy = 0;
            for (int i = 0; i < n; i++) { sxy += (pred[i] - mp) * (y[i] - my); sxx += (pred[i] - mp) * (pred[i] - mp); syy += (y[i] - my) * (y[i] - my); }
            return new OrderedDictionary<string, double>
            {
                ["mae"] = mae, ["mse"] = mse, ["rmse"] = Math.Sqrt(mse),
                ["pearson"] = sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN,
                ["r2"] = syy > 0 ? 1 - mse * n / syy : double.NaN,
            };
        }

        /// <summary>
        /// Binary metrics; the threshold maximises sqrt(TPR (1 - FPR)) over the distinct scores (positive when
        /// score >= threshold; the highest threshold wins a tie). With one class present it is 0.5.
        /// </summary>
        public static OrderedDictionary<string, double> Binary(double[] score, double[] y)
        {
            var labels = y.Select(v => v > 0.5).ToArray();
            if (score.Any(double.IsNaN)) return new OrderedDictionary<string, double>(Names(TaskKind.Binary).Select(k => KeyValuePair.Create(k, double.NaN)));
            int pos = labels.Count(b => b), neg = labels.Length - pos;
            double threshold = 0.5;
            if (pos > 0 && neg > 0)
            {
                double best = -1;
                var order = Enumerable.Range(0, score.Length).OrderByDescending(i => score[i]).ToArray();
                int tp = 0, fp = 0;
                for (int i = 0; i < order.Length;)
                {
                    int j = i;
                    for (; j < order.Length && Tied(score[order[j]], score[order[i]]); j++) { if (labels[order[j]]) tp++; else fp++; }
                    double g = Math.Sqrt((double)tp / pos * (1 - (double)fp / neg));
                    if (g > best) { best = g; threshold = score[order[i]]; }
                    i = j;
                }
            }
            var m = new OrderedDictionary<string, double> { ["auc"] = Auc(score, labels), ["auprc"] = AveragePrecision(score, labels), ["best_threshold"] = threshold };
            foreach (var (k, v) in AtThreshold(score, labels, threshold)) m[k] = v;
            return m;
        }

        private static IEnumerable<(string, double)> AtThreshold(double[] score, bool[] labels, double t)
        {
            int tp = 0, fp = 0, tn = 0, fn = 0;
            for (int i = 0; i < score.Length; i++)
            {
                bool p = score[i] >= t;
                if (p && labels[i]) tp++; else if (p) fp++; else if (labels[i]) fn++; else tn++;
            }
            double precision = Ratio(tp, tp + fp), recall = Ratio(tp, tp + fn);
            yield return ("f1", precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
            yield return ("precision", precision);
            yield return ("recall", recall);
            yield return ("accuracy", Ratio(tp + tn, score.Length));
            yield return ("specificity", Ratio(tn, tn + fp));
            yield return ("npv", Ratio(tn, tn + fn));
        }

        /// <summary>
        /// Whether two scores fall in one tie group. double.Equals holds for NaN == NaN (== does not), so every
        /// group has at least one member and the grouping loops always advance.
        /// </summary>
        private static bool Tied(double a, double b) => a.Equals(b);

        /// <summary>Zero when nothing was counted (scikit-learn's zero_division=0).</summary>
        private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;

        /// <summary>ROC AUC by the Mann-Whitney statistic with mid-ranks for ties; NaN with one class or a NaN
        /// score.</summary>
        public static double Auc(double[] score, bool[] labels)
        {
            int pos = labels.Count(b => b), neg = labels.Length - pos;
            if (pos == 0 || neg == 0 || score.Any(double.IsNaN)) return double.NaN;
            var order = Enumerable.Range(0, score.Length).OrderBy(i => score[i]).ToArray();
            double rankSum = 0;
            for (int i = 0; i < order.Length;)
            {
                int j = i;
                while (j + 1 < order.Length && Tied(score[order[j + 1]], score[order[i]])) j++;
                double mid = (i + j) / 2.0 + 1;
                for (int k = i; k <= j; k++) if (labels[order[k]]) rankSum += mid;
                i = j + 1;
            }
            return (rankSum - pos * (pos + 1) / 2.0) / ((double)pos * neg);
        }

        /// <summary>Average precision: sum over distinct thresholds of (R_k - R_{k-1}) P_k; NaN without positives or
        /// with a NaN score.</summary>
        public static double AveragePrecision(double[] score, bool[] labels)
        {
            int pos = labels.Count(b => b);
            if (pos == 0 || score.Any(double.IsNaN)) return double.NaN;
            var order = Enumerable.Range(0, score.Length).OrderByDescending(i => score[i]).ToArray();
            double ap = 0, lastRecall = 0;
            int tp = 0, seen = 0;
            for (int i = 0; i < order.Length;)
            {
                int j = i;
                while (j < order.Length && Tied(score[order[j]], score[order[i]])) { if (labels[order[j]]) tp++; seen++; j++; }
                double recall = (double)tp / pos;
                ap += (recall - lastRecall) * tp / seen;
                lastRecall = recall;
                i = j;
            }
            return ap;
        }

        /// <summary>Multiclass metrics from probabilities [n][K]: one-vs-rest macro AUC (classes with both kinds present), micro AUC, macro AUPRC, and macro F1/precision/recall over the classes seen in labels or predictions.</summary>
        public static OrderedDictionary<string, double> Multiclass(double[][] prob, int[] y, int classes)
        {
            int n = y.Length;
            if (prob.Any(p => p.Any(double.IsNaN))) return new OrderedDictionary<string, double>(Names(TaskKind.Multiclass).Select(k => KeyValuePair.Create(k, double.NaN)));
            var pred = prob.Select(p => Array.IndexOf(p, p.Max())).ToArray();
            var aucs = new List<double>();
            var aps = new List<double>();
            for (int c = 0; c < classes; c++)
            {
                var s = prob.Select(p => p[c]).ToArray();
                var l = y.Select(v => v == c).ToArray();
                var auc = Auc(s, l);
                if (!double.IsNaN(auc)) aucs.Add(auc);
                var ap = AveragePrecision(s, l);
                if (!double.IsNaN(ap)) aps.Add(ap);
            }
            var flatScore = prob.SelectMany(p => p.Take(classes)).ToArray();
            var flatLabel = y.SelectMany(v => Enumerable.Range(0, classes).Select(c => c == v)).ToArray();
            double f1 = 0, precision = 0, recall = 0;
            var present = y.Concat(pred).Distinct().ToList();
            foreach (var c in present)
            {
                int tp = 0, fp = 0, fn = 0;
                for (int i = 0; i < n; i++)
                {
                    if (pred[i] == c && y[i] == c) tp++; else if (pred[i] == c) fp++; else if (y[i] == c) fn++;
                }
                double p = Ratio(tp, tp + fp), r = Ratio(tp, tp + fn);
                precision += p; recall += r; f1 += p + r > 0 ? 2 * p * r / (p + r) : 0;
            }
            return new OrderedDictionary<string, double>
            {
                ["macro_auc"] = aucs.Count > 0 ? aucs.Average() : double.NaN,
                ["micro_auc"] = Auc(flatScore, flatLabel),
                ["auprc"] = aps.Count > 0 ? aps.Average() : double.NaN,
                ["f1"] = f1 / present.Count, ["precision"] = precision / present.Count, ["recall"] = recall / present.Count,
                ["accuracy"] = Ratio(Enumerable.Range(0, n).Count(i => pred[i] == y[i]), n),
            };
        }

        /// <summary>The names DeepCORO_CLIP's runner logs for some of these metrics, logged too so its sweeps and scripts find them.</summary>
        public static readonly IReadOnlyDictionary<string, string> ReferenceNames =
            new Dictionary<string, string> { ["pearson"] = "pearson_r", ["precision"] = "ppv", ["recall"] = "sensitivity" };

        /// <summary>The metric names of a task, in the order the functions above report them.</summary>
        public static IReadOnlyList<string> Names(TaskKind task) => task switch
        {
            TaskKind.Regression => new[] { "mae", "mse", "rmse", "pearson", "r2" },
            TaskKind.Binary => new[] { "auc", "auprc", "best_threshold", "f1", "precision", "recall", "accuracy", "specificity", "npv" },
            _ => new[] { "macro_auc", "micro_auc", "auprc", "f1", "precision", "recall", "accuracy" },
        };

        /// <summary>Whether a larger value of a metric key is better (losses and errors: smaller).</summary>
        public static bool HigherIsBetter(string key)
        {
            var name = key.Contains('/') ? key[(key.LastIndexOf('/') + 1)..] : key;
            return !(name.EndsWith("loss") || name.EndsWith("_mae") || name.EndsWith("_mse") || name.EndsWith("_rmse"));
        }

        /// <summary>The metrics of one head's task.</summary>
        public static OrderedDictionary<string, double> ForHead(HeadSpec head, double[][] scores, double[] y) => head.Task switch
        {
            TaskKind.Regression => Regression(scores.Select(s => s[0]).ToArray(), y),
            TaskKind.Binary => Binary(scores.Select(s => s[0]).ToArray(), y),
            _ => Multiclass(scores, y.Select(v => (int)v).ToArray(), head.Outputs),
        };
    }
}
