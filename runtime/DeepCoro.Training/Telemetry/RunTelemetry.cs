using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Training;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// Everything a run measures about itself, behind the few calls the trainer makes: the non-finite guard (always),
    /// and with <see cref="TelemetryOptions.Enabled"/> the gradient statistics the training step feeds, the attention
    /// statistics of the validation pass, the cls tokens, memory, and what all that measuring cost
    /// (`telemetry/seconds`, `telemetry/share` of the epoch).
    /// </summary>
    public sealed class RunTelemetry : IDisposable
    {
        private readonly TelemetryClock clock = new();
        private readonly MilModel model;
        private readonly Device device;
        private readonly IReadOnlyList<string> tokenKeys;

        public NonFiniteGuard Guard { get; }

        /// <summary>Fed by <see cref="TrainStep"/>; null when telemetry is off.</summary>
        public GradientStatistics? Gradients { get; }

        /// <summary>Fed by the cls levels during <see cref="RecordingAttention"/>;
        /// null when telemetry is off.</summary>
        public AttentionStatistics? Attention { get; }

        public RunTelemetry(MilModel model, IReadOnlyList<ParameterGroup> groups, TrainOptions options, Device device, string checkpoint)
        {
            this.model = model;
            this.device = device;
            var o = options.Telemetry;
            Guard = new NonFiniteGuard(o.MaxConsecutiveSkips, checkpoint);
            tokenKeys = model.ClsLevels.Select(l => l.TokenKey).Distinct().ToList();
            if (!o.Enabled) return;
            Gradients = new GradientStatistics(groups, tokenKeys, options.ClipNorm, o.SampleEvery, clock);
            if (model.ClsLevels.Count > 0) Attention = new AttentionStatistics(model, clock);
        }

        public void EpochStarted()
        {
            clock.Reset();
            MemoryProbe.EpochStarted();
            Attention?.Reset();
        }

        /// <summary>Attention statistics from every forward until
        /// disposed (the validation pass); a no-op when off.</summary>
        public IDisposable RecordingAttention() => Attention?.Recording() ?? new Nothing();

        /// <summary>The epoch's figures; <paramref name="epochSeconds"/>
        /// is the epoch's time, training and validation.</summary>
        public OrderedDictionary<string, double> EpochMetrics(double epochSeconds)
        {
            var metrics = Guard.Scalars();
            if (Gradients is null) return metrics;
            double seconds;
            using (clock.Measure())
            {
                foreach (var (k, v) in Gradients.Scalars()) metrics[k] = v;
                if (Attention is not null) foreach (var (k, v) in Attention.Scalars()) metrics[k] = v;
                foreach (var (key, token) in Tokens())
                {
                    using var norm = token.norm();
                    metrics[$"cls/{key}/norm"] = norm.item<float>();
                }
                foreach (var (k, v) in MemoryProbe.Scalars(device)) metrics[k] = v;
            }
            seconds = clock.Seconds;
            metrics["telemetry/seconds"] = seconds;
            metrics["telemetry/share"] = seconds / Math.Max(1e-9, epochSeconds);
            return metrics;
        }

        /// <summary>Per cls level the histogram of log10 attention weights,
        /// and per cls token the histogram of its values.</summary>
        public IEnumerable<(string Tag, Histogram Histogram)> Histograms()
        {
            if (Gradients is null) yield break;
            if (Attention is not null) foreach (var h in Attention.Histograms()) yield return h;
            foreach (var (key, token) in Tokens())
            {
                using var values = token.detach().to(ScalarType.Float32).cpu().reshape(-1);
                yield return ($"cls/{key}/values", Histogram.Of(values.data<float>().ToArray()));
            }
        }

        private IEnumerable<(string Key, Tensor Token)> Tokens() =>
            tokenKeys.Select(k => (k, (Tensor)model.get_parameter(k)!));

        public void Dispose() => Attention?.Dispose();

        private sealed class Nothing : IDisposable
        {
            public void Dispose() { }
        }
    }
}
