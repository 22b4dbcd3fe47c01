using System.Collections.Generic;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Evaluation;
using DeepCoro.Runtime.Telemetry;

namespace DeepCoro.Runtime.Training
{
    /// <summary>How a run trains: everything but the model and the data.</summary>
    [GenerateWith]
    public sealed partial record TrainOptions
    {
        public int Epochs { get; init; } = 10;
        public int Seed { get; init; } = 42;
        public int GradientAccumulation { get; init; } = 1;
        /// <summary>Clip the global gradient L2 norm to this value; null = no clipping.</summary>
        public double? ClipNorm { get; init; } = 1.0;
        /// <summary>The metric that chooses the best model and drives early stopping, e.g.
        /// val/main_loss or val/cathEF_r2.</summary>
        public string Monitor { get; init; } = "val/main_loss";
        /// <summary>Epochs without improvement before stopping; null = never stop early.</summary>
        public int? Patience { get; init; }
        public double MinDelta { get; init; } = 0;
        public LossOptions Loss { get; init; } = new();
        public OptimizerOptions Optimizer { get; init; } = new();
        public ScheduleOptions Schedule { get; init; } = new();
        public string Device { get; init; } = "cpu";

        /// <summary>The cls attention's kernel (docs/performance.md): all are exact to the golden tolerance, and
        /// which is fastest depends on the machine's threads and load.</summary>
        public ClsKernel Kernel { get; init; } = ClsKernel.Fused;
        /// <summary>A video encoder trained with the probe (its frozen prefix cached; see Encoders/EncoderData);
        /// null: the probe alone.</summary>
        public Encoders.EncoderOptions? Encoder { get; init; }
        /// <summary>Bootstrap confidence intervals of the final metrics (summary.json, the metrics files).</summary>
        public IntervalOptions Intervals { get; init; } = new();
        public TelemetryOptions Telemetry { get; init; } = new();
        /// <summary>How the operating thresholds are chosen on validation and locked (thresholds.json).</summary>
        public ThresholdOptions Thresholds { get; init; } = new();
        /// <summary>Per head the recalibration fitted on validation (platt, isotonic, temperature; calibration.json);
        /// none when absent.</summary>
        public IReadOnlyDictionary<string, string> Recalibration { get; init; } = new Dictionary<string, string>();

        /// <summary>The same options without gradient clipping (max_grad_norm:
        /// null), which the generated <c>With</c> cannot express.</summary>
        public TrainOptions WithoutClipping() => this with { ClipNorm = null };
    }
}
