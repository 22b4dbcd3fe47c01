using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DeepCoro.Runtime.Data;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The options that decide a run's result, flattened to sorted "Section.Key" -> JSON value pairs: everything in
    /// <see cref="TrainOptions"/> but epochs, device, intervals and telemetry, and the data options but the
    /// loader's prefetch and threads and the token grid (display only).
    /// A checkpoint stores them so that --resume can refuse a config that would not continue the same run; paths are
    /// stored relative to the run directory.
    /// </summary>
    public static class RunOptions
    {
        private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

        /// <summary>The options that name files or folders: kept relative to the run directory, so that a run moved
        /// or copied together with its data (the project folder renamed, another machine) still resumes.</summary>
        private static readonly string[] PathKeys = { "Data.Manifest", "Data.Root", "Data.EmbeddingsDir", "Train.Encoder.Path", "Train.Encoder.CacheDirectory" };

        /// <param name="runDirectory">the run directory that path options are written relative to</param>
        public static string Canonical(TrainOptions train, DataOptions data, string runDirectory)
        {
            var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Flatten("Train", JsonSerializer.SerializeToNode(train with { Epochs = 0, Device = "" }, Json), flat);
            Flatten("Data", JsonSerializer.SerializeToNode(data with { Prefetch = 0, ReadThreads = 0 }, Json), flat);
            foreach (var k in new[] { "Train.Epochs", "Train.Device", "Data.Prefetch", "Data.ReadThreads" }) flat.Remove(k);
            // what a run measures and reports about itself does not change its result
            foreach (var k in flat.Keys.Where(k => k.StartsWith("Train.Intervals.") || k.StartsWith("Train.Telemetry.") || k.StartsWith("Data.TokensGrid")).ToList())
                flat.Remove(k);
            Relative(flat, runDirectory);
            return JsonSerializer.Serialize(flat);
        }

        /// <summary>The options that differ, as "key saved -> current" (empty when none do). Paths compare relative to
        /// <paramref name="runDirectory"/> (a checkpoint of an older version stored them absolute).</summary>
        public static IReadOnlyList<string> Differences(string saved, string current, string runDirectory)
        {
            var a = JsonSerializer.Deserialize<SortedDictionary<string, string>>(saved) ?? new();
            var b = JsonSerializer.Deserialize<SortedDictionary<string, string>>(current) ?? new();
            Relative(a, runDirectory);
            Relative(b, runDirectory);
            return a.Keys.Union(b.Keys).OrderBy(k => k, StringComparer.Ordinal)
                .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
                .Select(k => $"{k} {a.GetValueOrDefault(k) ?? "(none)"} -> {b.GetValueOrDefault(k) ?? "(none)"}")
                .ToList();
        }

        /// <summary>Rewrites the absolute paths among <see cref="PathKeys"/> relative to <paramref name="runDirectory"/>
        /// ('/' separated), as JSON strings.</summary>
        private static void Relative(IDictionary<string, string> flat, string runDirectory)
        {
            var from = Path.GetFullPath(runDirectory);
            foreach (var key in PathKeys)
            {
                if (!flat.TryGetValue(key, out var json) || JsonNode.Parse(json) is not JsonValue v || !v.TryGetValue<string>(out var path)) continue;
                if (!Path.IsPathRooted(path)) continue;
                flat[key] = JsonValue.Create(Path.GetRelativePath(from, path).Replace('\\', '/'))!.ToJsonString();
            }
        }

        private static void Flatten(string prefix, JsonNode? node, IDictionary<string, string> into)
        {
            if (node is JsonObject o)
                foreach (var (k, v) in o) Flatten(prefix + "." + k, v, into);
            else into[prefix] = node?.ToJsonString() ?? "null";
        }
    }
}
