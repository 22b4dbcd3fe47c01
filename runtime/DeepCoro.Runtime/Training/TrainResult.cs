using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Encoders;
using DeepCoro.Runtime.Evaluation;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Telemetry;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;
using Probe = TorchSharp.torch.nn.Module<DeepCoro.Runtime.Model.ModelInput, System.Collections.Generic.OrderedDictionary<string, TorchSharp.torch.Tensor>>;

namespace DeepCoro.Runtime.Training
{
    /// <summary>The outcome of a run: the best epoch by the monitored metric and the best model's metrics on every
    /// split.</summary>
    public sealed record TrainResult(string RunDirectory, int EpochsRun, bool StoppedEarly, int BestEpoch, string Monitor, double BestValue,
        IReadOnlyDictionary<string, double> Metrics)
    {
        /// <summary>Bootstrap intervals of the best model's metrics, keyed like them (empty when the options ask for
        /// none).</summary>
        public IReadOnlyDictionary<string, MetricInterval> Intervals { get; init; } = new Dictionary<string, MetricInterval>();
    }
}
