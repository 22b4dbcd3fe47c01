using System.Collections.Generic;

namespace DeepCoro.Runtime.Training
{
    /// <summary>What a run reports as it goes (epochs counted from 1); the CLI draws a live display or prints plain
    /// lines from it.</summary>
    public interface ITrainingObserver
    {
        void Started(int firstEpoch, int epochs, int batchesPerEpoch, int trainStudies);
        void Batch(int epoch, int batch, double loss, double studiesPerSecond);
        /// <param name="epoch">the epoch being validated, or 0 for the final evaluation of the best model.</param>
        void Evaluating(int epoch, string split);
        void EpochEnded(int epoch, IReadOnlyDictionary<string, double> metrics, bool improved);
        void Note(string message);
    }
}
