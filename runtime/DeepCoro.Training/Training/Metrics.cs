using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Evaluation;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Evaluation metrics on plain arrays (labelled samples only), computed by <see cref="HeadSamples"/> (which the
    /// bootstrap intervals share). Undefined values are NaN: AUC with one class present, Pearson/R² with constant
    /// targets. Metrics.md-style names: the keys below, prefixed by the head.
    /// </summary>
    public static class Metrics
    {
        public static OrderedDictionary<string, double> Regression(double[] pred, double[] y) => new RegressionSamples(pred, y).Evaluate();

        /// <summary>
        /// Binary metrics; the threshold maximises sqrt(TPR (1 - FPR)) over the distinct scores (positive when
        /// score >= threshold; the highest threshold wins a tie). With one class present it is 0.5.
        /// </summary>
        public static OrderedDictionary<string, double> Binary(double[] score, double[] y) =>
            new BinarySamples(score, y.Select(v => v > 0.5).ToArray()).Evaluate();

        /// <summary>ROC AUC by the Mann-Whitney statistic, ties counted half; NaN with one class.</summary>
        public static double Auc(double[] score, bool[] labels) => new BinarySamples(score, labels).Evaluate()["auc"];

        /// <summary>Average precision: sum over distinct thresholds of (R_k - R_{k-1}) P_k;
        /// NaN without positives.</summary>
        public static double AveragePrecision(double[] score, bool[] labels) => new BinarySamples(score, labels).Evaluate()["auprc"];

        /// <summary>Multiclass metrics from probabilities [n][K]: one-vs-rest
        /// macro AUC (classes with both kinds present), micro AUC, macro AUPRC,
        /// and macro F1/precision/recall over the classes seen in labels or predictions.</summary>
        public static OrderedDictionary<string, double> Multiclass(double[][] prob, int[] y, int classes) =>
            new MulticlassSamples(prob, y, classes).Evaluate();

        /// <summary>The names DeepCORO_CLIP's runner logs for some of these metrics, logged too so its sweeps and
        /// scripts find them.</summary>
        public static readonly IReadOnlyDictionary<string, string> ReferenceNames =
            new Dictionary<string, string> { ["pearson"] = "pearson_r", ["precision"] = "ppv", ["recall"] = "sensitivity" };

        /// <summary>Whether a metric key ("val/head_ppv") is the reference's alias of another key that
        /// <paramref name="has"/> holds ("val/head_precision"): people see each metric once, under one name.</summary>
        public static bool IsReferenceAlias(string key, Func<string, bool> has) =>
            ReferenceNames.Any(kv => key.EndsWith("_" + kv.Value, StringComparison.Ordinal) && has(key[..^kv.Value.Length] + kv.Key));

        /// <summary>The metric names of a task, in the order the functions above report them.</summary>
        public static IReadOnlyList<string> Names(TaskKind task) => task switch
        {
            TaskKind.Regression => new[] { "mae", "mse", "rmse", "pearson", "r2" },
            TaskKind.Binary => new[] { "auc", "auprc", "best_threshold", "f1", "precision", "recall", "accuracy", "specificity", "npv" },
            // the metrics every survival head has; its td_auc_<t> and ibs follow (SurvivalSamples.Names)
            TaskKind.Survival => new[] { "c_index", "uno_c" },
            _ => new[] { "macro_auc", "micro_auc", "auprc", "f1", "precision", "recall", "accuracy" },
        };

        /// <summary>Whether a larger value of a metric key is better (losses and errors: smaller).</summary>
        public static bool HigherIsBetter(string key)
        {
            var name = key.Contains('/') ? key[(key.LastIndexOf('/') + 1)..] : key;
            return !(name.EndsWith("loss") || name.EndsWith("_mae") || name.EndsWith("_mse") || name.EndsWith("_rmse"));
        }

        /// <summary>The metrics of one head's task.</summary>
        public static OrderedDictionary<string, double> ForHead(HeadSpec head, double[][] scores, double[] y) => HeadSamples.For(head, scores, y).Evaluate();
    }
}
