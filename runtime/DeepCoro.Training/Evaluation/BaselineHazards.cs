using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// The Breslow baseline hazards of a run's Cox heads, fitted once on the training split's risks from the best
    /// model and then applied unchanged to every split and every later prediction (baseline_hazard.json:
    /// <c>{"head": {"estimator": "breslow", "fitted_on": "train", "studies": n, "events": d, "horizons": [...],
    /// "time": [...], "cumulative_hazard": [...]}}</c>).
    /// </summary>
    public sealed class BaselineHazards
    {
        public const string FileName = "baseline_hazard.json";

        public IReadOnlyDictionary<string, BaselineHazard> Heads { get; }

        public BaselineHazards(IReadOnlyDictionary<string, BaselineHazard> heads) { Heads = heads; }

        public static readonly BaselineHazards None = new(new Dictionary<string, BaselineHazard>());

        public bool IsEmpty => Heads.Count == 0;

        public BaselineHazard? For(string head) => Heads.TryGetValue(head, out var b) ? b : null;

        /// <summary>
        /// Fits every Cox head's baseline on its training samples (per head: times, events, risks and its horizons;
        /// null when the head has no labelled training study, which then gets none and <paramref name="note"/> says
        /// so).
        /// </summary>
        public static BaselineHazards Fit(IReadOnlyList<HeadSpec> heads, Func<int, (double[] Time, bool[] Event, double[] Risk, double[] Horizons)?> training,
            Action<string> note)
        {
            var fitted = new Dictionary<string, BaselineHazard>();
            for (var h = 0; h < heads.Count; h++)
            {
                if (heads[h].Task != TaskKind.Survival || heads[h].Loss != LossKind.Cox) continue;
                if (training(h) is not { } t || !t.Event.Contains(true))
                {
                    note($"warning: Cox head {heads[h].Name}: no event in the training split, so no baseline hazard is fitted; it gets no survival probabilities (ibs, calibration)");
                    continue;
                }
                fitted[heads[h].Name] = BaselineHazard.Fit(t.Time, t.Event, t.Risk, t.Horizons);
            }
            return new BaselineHazards(fitted);
        }

        public void Write(string path) => AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            void Array(string name, double[] values)
            {
                json.WriteStartArray(name);
                foreach (var v in values) json.WriteNumberValue(v);
                json.WriteEndArray();
            }
            json.WriteStartObject();
            foreach (var (head, b) in Heads)
            {
                json.WriteStartObject(head);
                json.WriteString("estimator", "breslow");
                json.WriteString("fitted_on", "train");
                json.WriteNumber("studies", b.Studies);
                json.WriteNumber("events", b.Events);
                Array("horizons", b.Horizons);
                Array("time", b.Times);
                Array("cumulative_hazard", b.CumulativeHazard);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        });

        /// <summary>
        /// Reads a run's baseline_hazard.json for its Cox heads (a head missing from it has no baseline);
        /// InvalidDataException naming the file and the head when an entry is malformed.
        /// </summary>
        public static BaselineHazards Read(string path, IReadOnlyList<HeadSpec> heads)
        {
            var root = RunJsonFile.ReadHeads(path);
            var result = new Dictionary<string, BaselineHazard>();
            foreach (var head in heads.Where(h => h.Task == TaskKind.Survival && h.Loss == LossKind.Cox))
            {
                if (root[head.Name] is not JsonObject o) continue;
                double[] Numbers(string key) => o[key] is JsonArray a && a.All(n => n is JsonValue v && v.TryGetValue<double>(out _))
                    ? a.Select(n => n!.GetValue<double>()).ToArray()
                    : throw new InvalidDataException($"{path}: {head.Name}.{key} needs an array of numbers");
                var times = Numbers("time");
                var hazard = Numbers("cumulative_hazard");
                if (times.Length != hazard.Length)
                    throw new InvalidDataException($"{path}: {head.Name} has {times.Length} times and {hazard.Length} cumulative hazards; they go in pairs");
                result[head.Name] = new BaselineHazard(times, hazard, Numbers("horizons"), o["studies"]?.GetValue<int>() ?? 0, o["events"]?.GetValue<int>() ?? 0);
            }
            return new BaselineHazards(result);
        }

        /// <summary>The baseline hazards in a run directory (or the folder of a run's weights); none without the
        /// file.</summary>
        public static BaselineHazards In(string folder, IReadOnlyList<HeadSpec> heads)
        {
            var file = Path.Combine(folder, FileName);
            return File.Exists(file) ? Read(file, heads) : None;
        }
    }
}
