using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// The metrics of a set of predictions under a run's locked state, nothing fitted on them: per head its task
    /// metrics, the threshold metrics at the locked threshold (binary heads; each class of a multiclass head,
    /// one-vs-rest, as <c>head_class_metric</c>), calibration (binary: Brier, ECE, intercept, slope; multiclass:
    /// Brier, top-label ECE; regression: intercept and slope of the label on the prediction), each with its
    /// bootstrap interval from the same weighted implementation. Every metric set of a head is resampled with the
    /// same draws (one stream per head). Callable per subgroup or fold: predictions + labels + state -> table.
    /// </summary>
    public static class LockedEvaluation
    {
        /// <summary>The threshold metrics computed on each split itself (the reference's best_threshold metrics),
        /// left out of this product's layout in favour of the locked ones.</summary>
        public static readonly IReadOnlySet<string> OnSplitNames = new HashSet<string> { "best_threshold", "f1", "precision", "recall", "accuracy", "specificity", "npv" };

        /// <summary>
        /// Adds head <paramref name="head"/>'s metrics, keyed <c>prefix/head_metric</c>, to <paramref name="metrics"/>
        /// and their intervals to <paramref name="intervals"/> (none when <paramref name="options"/> asks for none).
        /// <paramref name="samples"/>, when given, are the head's task samples (a survival head's need its events and
        /// horizons, which scores and labels lack).
        /// </summary>
        public static void AddHead(HeadSpec head, int stream, double[][] scores, double[] labels, LockedThresholds thresholds, ThresholdOptions names,
            Func<HeadSpec, string[]> classNames, string prefix, IntervalOptions options, int seed,
            IDictionary<string, double> metrics, IDictionary<string, MetricInterval> intervals, HeadSamples? samples = null)
        {
            if (labels.Length == 0) return;
            void Add(HeadSamples samples, string key, Func<string, bool> keep)
            {
                var values = samples.Evaluate();
                var bounds = options.Enabled ? Bootstrap.Intervals(samples, options, seed, stream) : null;
                for (var k = 0; k < samples.Names.Count; k++)
                {
                    var name = samples.Names[k];
                    if (!keep(name)) continue;
                    foreach (var alias in Aliases(samples, name))
                    {
                        metrics[$"{prefix}/{key}_{alias}"] = values[name];
                        if (bounds is not null) intervals[$"{prefix}/{key}_{alias}"] = bounds[k];
                    }
                }
            }
            var task = samples ?? HeadSamples.For(head, scores, labels);
            var onSplit = names.OnSplitNames;
            Add(task, head.Name, name => onSplit || head.Task != TaskKind.Binary || !OnSplitNames.Contains(name));
            switch (head.Task)
            {
                case TaskKind.Survival:
                    break;
                case TaskKind.Regression:
                    Add(new RegressionCalibrationSamples(scores.Select(s => s[0]).ToArray(), labels), head.Name, _ => true);
                    break;
                case TaskKind.Binary:
                    {
                        var t = thresholds.For(head.Name) ?? throw new DeepCoroUserException($"head {head.Name}: no locked threshold; the run has no thresholds.json entry for it");
                        var key = onSplit ? head.Name + "_locked" : head.Name;
                        metrics[$"{prefix}/{key}_threshold"] = t.Value;
                        var score = scores.Select(s => s[0]).ToArray();
                        var positive = labels.Select(v => v > 0.5).ToArray();
                        Add(new OperatingPointSamples(score, positive, t.Value, calibration: false), key, _ => true);
                        Add(new OperatingPointSamples(score, positive, t.Value, calibration: true), head.Name, n => OperatingPointSamples.CalibrationNames.Contains(n));
                        break;
                    }
                default:
                    {
                        var y = labels.Select(v => (int)v).ToArray();
                        Add(new MulticlassCalibrationSamples(scores, y), head.Name, _ => true);
                        var classes = classNames(head);
                        for (var k = 0; k < head.Outputs; k++)
                        {
                            var t = thresholds.For(head.Name, k) ?? throw new DeepCoroUserException($"head {head.Name}: no locked threshold for class {classes[k]}");
                            var key = $"{head.Name}_{classes[k]}";
                            metrics[$"{prefix}/{key}_threshold"] = t.Value;
                            Add(new OperatingPointSamples(scores.Select(s => s[k]).ToArray(), y.Select(v => v == k).ToArray(), t.Value, calibration: false), key, _ => true);
                        }
                        break;
                    }
            }
        }

        /// <summary>Only the calibration metrics of a classification head's
        /// scores, keyed <c>prefix/key_metric</c>.</summary>
        public static void AddCalibration(HeadSpec head, int stream, double[][] scores, double[] labels, string key, string prefix, IntervalOptions options, int seed,
            IDictionary<string, double> metrics, IDictionary<string, MetricInterval> intervals)
        {
            HeadSamples samples = head.Task == TaskKind.Binary
                ? new OperatingPointSamples(scores.Select(s => s[0]).ToArray(), labels.Select(v => v > 0.5).ToArray(), 0.5, calibration: true)
                : new MulticlassCalibrationSamples(scores, labels.Select(v => (int)v).ToArray());
            var values = samples.Evaluate();
            var bounds = options.Enabled ? Bootstrap.Intervals(samples, options, seed, stream) : null;
            for (var k = 0; k < samples.Names.Count; k++)
            {
                var name = samples.Names[k];
                if (head.Task == TaskKind.Binary && !OperatingPointSamples.CalibrationNames.Contains(name)) continue;
                metrics[$"{prefix}/{key}_{name}"] = values[name];
                if (bounds is not null) intervals[$"{prefix}/{key}_{name}"] = bounds[k];
            }
        }

        /// <summary>A task metric under its name and the reference's alias (precision is also ppv...); the other sets'
        /// metrics under their own.</summary>
        private static IEnumerable<string> Aliases(HeadSamples samples, string name)
        {
            yield return name;
            if (samples is BinarySamples or RegressionSamples or MulticlassSamples && Metrics.ReferenceNames.TryGetValue(name, out var alias)) yield return alias;
        }
    }
}
