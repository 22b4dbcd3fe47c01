using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// The labelled samples of one head, prepared once (presorted where a metric needs an order), and its metrics
    /// under any sample weights: all ones for the reported values, bootstrap counts for the intervals. So the
    /// reported metrics and their intervals come from one implementation.
    /// </summary>
    public abstract class HeadSamples
    {
        protected HeadSamples(TaskKind task, int count)
        {
            Task = task;
            Count = count;
        }

        public TaskKind Task { get; }

        public int Count { get; }

        /// <summary>The metric names, in the order
        /// <see cref="Evaluate(ReadOnlySpan{double}, Span{double})"/> writes them.</summary>
        public virtual IReadOnlyList<string> Names => Metrics.Names(Task);

        /// <summary>The class of each sample, within which a bootstrap resamples;
        /// null to resample all samples together.</summary>
        public abstract int[]? Strata { get; }

        /// <summary>The metrics when sample i counts <paramref name="weight"/>[i]
        /// times (a weight of 0 leaves it out).</summary>
        public abstract void Evaluate(ReadOnlySpan<double> weight, Span<double> into);

        /// <summary>The metrics of the samples as they are.</summary>
        public OrderedDictionary<string, double> Evaluate()
        {
            var weight = new double[Count];
            Array.Fill(weight, 1.0);
            var values = new double[Names.Count];
            Evaluate(weight, values);
            var metrics = new OrderedDictionary<string, double>();
            for (var k = 0; k < values.Length; k++) metrics[Names[k]] = values[k];
            return metrics;
        }

        /// <summary>A head's samples: per sample its scores (the regression value, P(positive), or class
        /// probabilities, or a survival head's risk and survival) and its label (a survival head's time, with its
        /// <paramref name="events"/>, and optionally its horizons).</summary>
        public static HeadSamples For(HeadSpec head, double[][] scores, double[] labels, double[]? events = null, double[]? horizons = null) => head.Task switch
        {
            TaskKind.Survival => SurvivalSamples.Of(head, scores, labels, events ?? throw new ArgumentException($"survival head '{head.Name}' without events"), horizons),
            TaskKind.Regression => new RegressionSamples(scores.Select(s => s[0]).ToArray(), labels),
            TaskKind.Binary => new BinarySamples(scores.Select(s => s[0]).ToArray(), labels.Select(v => v > 0.5).ToArray()),
            _ => new MulticlassSamples(scores, labels.Select(v => (int)v).ToArray(), head.Outputs),
        };

        /// <summary>Zero when nothing was counted (scikit-learn's zero_division=0).</summary>
        protected static double Ratio(double a, double b) => b == 0 ? 0 : a / b;
    }
}
