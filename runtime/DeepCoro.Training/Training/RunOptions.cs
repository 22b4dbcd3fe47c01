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
    /// <see cref="TrainOptions"/> but epochs, device, intervals, telemetry, thresholds and recalibration (chosen after
    /// training), and the data options but the loader's prefetch and threads, the token grid (display only) and the
    /// group column (warnings only).
    /// A checkpoint stores them so that --resume can refuse a config that would not continue the same run.
    /// </summary>
    public static class RunOptions
    {
        private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

        /// <summary>The options that name files or folders: a checkpoint keeps each both as written from the run
        /// directory and absolute, and a resume accepts either matching, so that a run moved or copied together with
        /// its data (a project folder renamed, another machine) resumes, and so does a run moved alone.</summary>
        private static readonly string[] PathKeys = { "Data.Manifest", "Data.Root", "Data.EmbeddingsDir", "Train.Encoder.Path", "Train.Encoder.CacheDirectory", "Data.SplitFile" };

        private const string AbsoluteSuffix = "@absolute";

        /// <param name="runDirectory">the run directory that path options are also recorded relative to</param>
        public static string Canonical(TrainOptions train, DataOptions data, string runDirectory)
        {
            var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Flatten("Train", JsonSerializer.SerializeToNode(train with { Epochs = 0, Device = "" }, Json), flat);
            Flatten("Data", JsonSerializer.SerializeToNode(data with { Prefetch = 0, ReadThreads = 0 }, Json), flat);
            foreach (var k in new[] { "Train.Epochs", "Train.Device", "Data.Prefetch", "Data.ReadThreads" }) flat.Remove(k);
            // what a run measures and reports about itself does not change its result (thresholds are chosen after it)
            foreach (var k in flat.Keys.Where(k => k.StartsWith("Train.Intervals.") || k.StartsWith("Train.Telemetry.") || k.StartsWith("Train.Thresholds.") || k.StartsWith("Train.Recalibration.") || k.StartsWith("Data.TokensGrid")).ToList())
                flat.Remove(k);
            // the group column only words warnings; a run without a split file stores what runs stored before the key
            // existed, so their checkpoints still resume
            flat.Remove("Data.GroupColumn");
            if (flat.GetValueOrDefault("Data.SplitFile") == "null") flat.Remove("Data.SplitFile");
            // settings added later store nothing at their default, so that older checkpoints still resume
            if (flat.GetValueOrDefault("Train.Kernel") == "\"Fused\"") flat.Remove("Train.Kernel");
            if (flat.GetValueOrDefault("Data.TokenDtype") == "\"Float32\"") flat.Remove("Data.TokenDtype");
            foreach (var key in PathKeys)
            {
                if (PathOf(flat, key) is { } path && Path.IsPathRooted(path))
                {
                    flat[key + AbsoluteSuffix] = flat[key];
                    flat[key] = JsonValue.Create(Relative(path, runDirectory))!.ToJsonString();
                }
            }

            return JsonSerializer.Serialize(flat);
        }

        /// <summary>The options that differ, as "key saved -> current" (empty when none do). A path is the same when
        /// it is relative to <paramref name="runDirectory"/> or absolute (a checkpoint of an older version recorded
        /// only the absolute one).</summary>
        public static IReadOnlyList<string> Differences(string saved, string current, string runDirectory)
        {
            var a = JsonSerializer.Deserialize<SortedDictionary<string, string>>(saved) ?? new();
            var b = JsonSerializer.Deserialize<SortedDictionary<string, string>>(current) ?? new();
            foreach (var key in PathKeys)
            {
                var (relativeA, absoluteA) = Forms(a, key, runDirectory);
                var (relativeB, absoluteB) = Forms(b, key, runDirectory);
                var same = (relativeA is not null && relativeA == relativeB) || (absoluteA is not null && absoluteA == absoluteB);
                if (same) { a.Remove(key); b.Remove(key); }
                else
                {
                    if (absoluteA is not null) a[key] = JsonValue.Create(absoluteA)!.ToJsonString();
                    if (absoluteB is not null) b[key] = JsonValue.Create(absoluteB)!.ToJsonString();
                }
                a.Remove(key + AbsoluteSuffix);
                b.Remove(key + AbsoluteSuffix);
            }
            return a.Keys.Union(b.Keys).OrderBy(k => k, StringComparer.Ordinal)
                .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
                .Select(k => $"{k} {a.GetValueOrDefault(k) ?? "(none)"} -> {b.GetValueOrDefault(k) ?? "(none)"}")
                .ToList();
        }

        /// <summary>A path option as recorded relative to the run directory and absolute, where it is one.</summary>
        private static (string? Relative, string? Absolute) Forms(IDictionary<string, string> flat, string key, string runDirectory)
        {
            var written = PathOf(flat, key);
            var absolute = PathOf(flat, key + AbsoluteSuffix);
            if (written is null) return (null, null);
            if (Path.IsPathRooted(written)) return (Relative(written, runDirectory), written);
            return (written, absolute);
        }

        private static string? PathOf(IDictionary<string, string> flat, string key) =>
            flat.TryGetValue(key, out var json) && JsonNode.Parse(json) is JsonValue v && v.TryGetValue<string>(out var path) ? path : null;

        private static string Relative(string path, string runDirectory) =>
            Path.GetRelativePath(Path.GetFullPath(runDirectory), path).Replace('\\', '/');

        private static void Flatten(string prefix, JsonNode? node, IDictionary<string, string> into)
        {
            if (node is JsonObject o)
                foreach (var (k, v) in o) Flatten(prefix + "." + k, v, into);
            else into[prefix] = node?.ToJsonString() ?? "null";
        }
    }
}
