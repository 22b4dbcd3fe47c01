using System.Collections.Generic;
using DeepCoro.Runtime.Evaluation;

namespace DeepCoro.Runtime.Training
{
    /// <summary>The outcome of a run: the best epoch by the monitored
    /// metric and the best model's metrics on every split.</summary>
    public sealed record TrainResult(string RunDirectory, int EpochsRun, bool StoppedEarly, int BestEpoch, string Monitor, double BestValue,
        IReadOnlyDictionary<string, double> Metrics)
    {
        /// <summary>Bootstrap intervals of the best model's metrics, keyed
        /// like them (empty when the options ask for none).</summary>
        public IReadOnlyDictionary<string, MetricInterval> Intervals { get; init; } = new Dictionary<string, MetricInterval>();
    }
}
