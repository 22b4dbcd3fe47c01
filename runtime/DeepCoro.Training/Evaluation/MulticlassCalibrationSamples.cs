using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Calibration of a multiclass head's probabilities [n][K]: the multi-class Brier score (mean over samples of the
    /// sum over classes of (p_k - 1[y = k])^2) and the top-label ECE (the top probability against whether the top
    /// class, the first on a tie, is right; bins as <see cref="Calibration.Ece"/>). Resampled within each class.
    /// </summary>
    public sealed class MulticlassCalibrationSamples : HeadSamples
    {
        public static readonly IReadOnlyList<string> MetricNames = new[] { "brier", "ece" };

        private readonly double[] squared, top, correct;
        private readonly int[] label;

        public MulticlassCalibrationSamples(double[][] probability, int[] label) : base(TaskKind.Multiclass, label.Length)
        {
            this.label = label;
            squared = probability.Select((p, i) => p.Select((v, k) => (v - (k == label[i] ? 1 : 0)) * (v - (k == label[i] ? 1 : 0))).Sum()).ToArray();
            top = probability.Select(p => p.Max()).ToArray();
            correct = probability.Select((p, i) => Array.IndexOf(p, p.Max()) == label[i] ? 1.0 : 0.0).ToArray();
        }

        public override IReadOnlyList<string> Names => MetricNames;

        public override int[]? Strata => label;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            double sum = 0, total = 0;
            for (var i = 0; i < Count; i++) { sum += weight[i] * squared[i]; total += weight[i]; }
            into[0] = total > 0 ? sum / total : double.NaN;
            into[1] = Calibration.Ece(top, correct, weight);
        }
    }
}
