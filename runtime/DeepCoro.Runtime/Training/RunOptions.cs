using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DeepCoro.Runtime.Data;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The options that decide a run's result, flattened to sorted "Section.Key" -> JSON value pairs: everything in
    /// <see cref="TrainOptions"/> but epochs, device, intervals, telemetry, thresholds and recalibration (chosen after
    /// training), and the data options but the loader's prefetch and threads and the token grid (display only).
    /// A checkpoint stores them so that --resume can refuse a config that would not continue the same run.
    /// </summary>
    public static class RunOptions
    {
        private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

        public static string Canonical(TrainOptions train, DataOptions data)
        {
            var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Flatten("Train", JsonSerializer.SerializeToNode(train with { Epochs = 0, Device = "" }, Json), flat);
            Flatten("Data", JsonSerializer.SerializeToNode(data with { Prefetch = 0, ReadThreads = 0 }, Json), flat);
            foreach (var k in new[] { "Train.Epochs", "Train.Device", "Data.Prefetch", "Data.ReadThreads" }) flat.Remove(k);
            // what a run measures and reports about itself does not change its result (thresholds are chosen after it)
            foreach (var k in flat.Keys.Where(k => k.StartsWith("Train.Intervals.") || k.StartsWith("Train.Telemetry.") || k.StartsWith("Train.Thresholds.") || k.StartsWith("Train.Recalibration.") || k.StartsWith("Data.TokensGrid")).ToList())
                flat.Remove(k);
            return JsonSerializer.Serialize(flat);
        }

        /// <summary>The options that differ, as "key saved -> current" (empty when none do).</summary>
        public static IReadOnlyList<string> Differences(string saved, string current)
        {
            var a = JsonSerializer.Deserialize<SortedDictionary<string, string>>(saved) ?? new();
            var b = JsonSerializer.Deserialize<SortedDictionary<string, string>>(current) ?? new();
            return a.Keys.Union(b.Keys).OrderBy(k => k, StringComparer.Ordinal)
                .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
                .Select(k => $"{k} {a.GetValueOrDefault(k) ?? "(none)"} -> {b.GetValueOrDefault(k) ?? "(none)"}")
                .ToList();
        }

        private static void Flatten(string prefix, JsonNode? node, IDictionary<string, string> into)
        {
            if (node is JsonObject o)
                foreach (var (k, v) in o) Flatten(prefix + "." + k, v, into);
            else into[prefix] = node?.ToJsonString() ?? "null";
        }
    }
}
