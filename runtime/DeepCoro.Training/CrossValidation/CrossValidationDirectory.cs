using System.Globalization;
using System.IO;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// The files of a cross-validation directory: folds.csv and cv.json first, a split file per fold under splits/,
    /// fold k of repeat 0 as the ordinary run directory fold-k (repeat r: repeat-r/fold-k), and at the end
    /// oof_predictions.csv, ensemble_predictions_test.csv and summary.json.
    /// </summary>
    public sealed record CrossValidationDirectory(string Path)
    {
        public string Folds => Combine("folds.csv");
        public string Oof => Combine("oof_predictions.csv");
        public string Ensemble => Combine("ensemble_predictions_test.csv");
        public string Summary => Combine("summary.json");
        public string Logs => Combine("logs");

        public string Run(int fold, int repeat) => repeat == 0
            ? Combine($"fold-{fold.ToString(CultureInfo.InvariantCulture)}")
            : System.IO.Path.Combine(Path, $"repeat-{repeat.ToString(CultureInfo.InvariantCulture)}", $"fold-{fold.ToString(CultureInfo.InvariantCulture)}");

        public string SplitFile(int fold, int repeat) =>
            System.IO.Path.Combine(Path, "splits", $"repeat-{repeat.ToString(CultureInfo.InvariantCulture)}-fold-{fold.ToString(CultureInfo.InvariantCulture)}.csv");

        /// <summary>A fold's run has finished when its summary (written last by the trainer) is there.</summary>
        public bool Finished(int fold, int repeat) => File.Exists(System.IO.Path.Combine(Run(fold, repeat), "summary.json"));

        /// <summary>A fold's run was interrupted after at least one epoch: it resumes from its checkpoint.</summary>
        public bool Started(int fold, int repeat) => File.Exists(System.IO.Path.Combine(Run(fold, repeat), "checkpoint.safetensors"));

        private string Combine(string name) => System.IO.Path.Combine(Path, name);
    }
}
