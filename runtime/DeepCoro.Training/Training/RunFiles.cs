using System.IO;

namespace DeepCoro.Runtime.Training
{
    /// <summary>The files of a run directory.</summary>
    public sealed record RunFiles(string Directory)
    {
        public string Checkpoint => Path.Combine(Directory, "checkpoint.safetensors");
        public string Best => Path.Combine(Directory, "best.safetensors");
        public string Spec => Path.Combine(Directory, "model.ir.json");
        public string MetricsLog => Path.Combine(Directory, "metrics.jsonl");
        public string TensorBoard => Path.Combine(Directory, "tensorboard");
        public string Summary => Path.Combine(Directory, "summary.json");
        public string Predictions(string split) => Path.Combine(Directory, $"predictions_{split}.csv");
        /// <summary>The metrics of a split's predictions with their confidence intervals.</summary>
        public string PredictionMetrics(string split) => Path.Combine(Directory, $"predictions_{split}_metrics.csv");
        public string Report => Path.Combine(Directory, "report");
        /// <summary>The operating thresholds chosen on validation and locked (docs/evaluation.md).</summary>
        public string Thresholds => Path.Combine(Directory, "thresholds.json");
        /// <summary>The recalibration fitted on validation, when the run asks for one.</summary>
        public string Calibration => Path.Combine(Directory, "calibration.json");
        /// <summary>The Cox heads' baseline hazards fitted on training (docs/survival.md).</summary>
        public string BaselineHazard => Path.Combine(Directory, Evaluation.BaselineHazards.FileName);
    }
}
