using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A binary head (or one class of a multiclass head, one-vs-rest) at a locked threshold (positive when score >=
    /// threshold): sensitivity, specificity, PPV, NPV, F1, accuracy and the confusion counts; with
    /// <c>calibration</c>, also the Brier score, ECE and calibration intercept and slope (<see cref="Calibration"/>).
    /// Resampled within each class; a ratio with nothing counted is 0 (scikit-learn's zero_division=0).
    /// </summary>
    public sealed class OperatingPointSamples : HeadSamples
    {
        public static readonly IReadOnlyList<string> ThresholdNames = new[] { "sensitivity", "specificity", "ppv", "npv", "f1", "accuracy", "tp", "fp", "tn", "fn" };

        public static readonly IReadOnlyList<string> CalibrationNames = new[] { "brier", "ece", "calibration_intercept", "calibration_slope" };

        private readonly double[] score, outcome, logit;
        private readonly bool[] predicted;
        private readonly int[] strata;
        private readonly bool calibration, undefined;
        private readonly IReadOnlyList<string> names;

        public OperatingPointSamples(double[] score, bool[] positive, double threshold, bool calibration) : base(TaskKind.Binary, positive.Length)
        {
            this.score = score;
            this.calibration = calibration;
            outcome = positive.Select(p => p ? 1.0 : 0.0).ToArray();
            predicted = score.Select(s => s >= threshold).ToArray();
            logit = score.Select(Calibration.Logit).ToArray();
            strata = positive.Select(p => p ? 1 : 0).ToArray();
            undefined = score.Any(double.IsNaN);
            names = calibration ? ThresholdNames.Concat(CalibrationNames).ToArray() : ThresholdNames;
        }

        public override IReadOnlyList<string> Names => names;

        public override int[]? Strata => strata;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            if (undefined)
            {
                into.Fill(double.NaN);
                return;
            }
            double tp = 0, fp = 0, tn = 0, fn = 0;
            for (var i = 0; i < Count; i++)
            {
                var w = weight[i];
                if (outcome[i] > 0) { if (predicted[i]) tp += w; else fn += w; }
                else if (predicted[i])
                {
                    fp += w;
                }
                else
                {
                    tn += w;
                }
            }
            double sensitivity = Ratio(tp, tp + fn), ppv = Ratio(tp, tp + fp);
            into[0] = sensitivity;
            into[1] = Ratio(tn, tn + fp);
            into[2] = ppv;
            into[3] = Ratio(tn, tn + fn);
            into[4] = ppv + sensitivity > 0 ? 2 * ppv * sensitivity / (ppv + sensitivity) : 0;
            into[5] = Ratio(tp + tn, tp + tn + fp + fn);
            into[6] = tp;
            into[7] = fp;
            into[8] = tn;
            into[9] = fn;
            if (!calibration) return;
            into[10] = Calibration.Brier(score, outcome, weight);
            into[11] = Calibration.Ece(score, outcome, weight);
            into[12] = Calibration.Logistic(logit, outcome, weight, offset: true).Intercept;
            into[13] = Calibration.Logistic(logit, outcome, weight, offset: false).Slope;
        }
    }
}
