using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using DeepCoro.Runtime.Evaluation;

namespace DeepCoro.Runtime.Report
{
    /// <summary>A run's summary.json: the best epoch, the best model's
    /// metrics per split and, when computed, their intervals.</summary>
    public sealed record RunSummary(int? BestEpoch, string Monitor, double BestValue, IReadOnlyDictionary<string, double> Metrics,
        IReadOnlyDictionary<string, MetricInterval> Intervals, double? IntervalLevel)
    {
        /// <summary>The bootstrap the run's intervals used (0 resamples: none), for figures the report computes
        /// itself.</summary>
        public int Resamples { get; init; }

        public int Seed { get; init; }

        /// <summary>The summary, or null when the run has not finished (no summary.json).</summary>
        public static RunSummary? Read(string path)
        {
            if (!File.Exists(path)) return null;
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN;
            var metrics = new Dictionary<string, double>();
            if (root.TryGetProperty("metrics", out var m))
                foreach (var p in m.EnumerateObject()) metrics[p.Name] = Number(p.Value);
            var intervals = new Dictionary<string, MetricInterval>();
            double? level = null;
            int resamples = 0, seed = 0;
            if (root.TryGetProperty("intervals", out var ci))
            {
                level = Number(ci.GetProperty("level"));
                if (ci.TryGetProperty("resamples", out var r) && r.ValueKind == JsonValueKind.Number) resamples = r.GetInt32();
                if (ci.TryGetProperty("seed", out var sd) && sd.ValueKind == JsonValueKind.Number) seed = sd.GetInt32();
                foreach (var p in ci.GetProperty("metrics").EnumerateObject())
                    intervals[p.Name] = new MetricInterval(Number(p.Value[0]), Number(p.Value[1]));
            }
            int? best = root.TryGetProperty("best_epoch", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt32() : null;
            return new RunSummary(best, root.TryGetProperty("monitor", out var mon) ? mon.GetString() ?? "" : "",
                root.TryGetProperty("best_value", out var bv) ? Number(bv) : double.NaN, metrics, intervals, level)
            { Resamples = resamples, Seed = seed };
        }
    }
}
