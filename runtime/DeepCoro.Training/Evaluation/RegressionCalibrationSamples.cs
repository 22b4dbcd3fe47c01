using System;
using System.Collections.Generic;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Calibration of a regression head: the least-squares line of the label on the prediction (intercept 0 and
    /// slope 1 when calibrated; a slope below 1 means predictions spread more than the labels follow).
    /// </summary>
    public sealed class RegressionCalibrationSamples : HeadSamples
    {
        public static readonly IReadOnlyList<string> MetricNames = new[] { "calibration_intercept", "calibration_slope" };

        private readonly double[] prediction, target;

        public RegressionCalibrationSamples(double[] prediction, double[] target) : base(TaskKind.Regression, target.Length)
        {
            this.prediction = prediction;
            this.target = target;
        }

        public override IReadOnlyList<string> Names => MetricNames;

        public override int[]? Strata => null;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            var (intercept, slope) = Calibration.Line(prediction, target, weight);
            into[0] = intercept;
            into[1] = slope;
        }
    }
}
