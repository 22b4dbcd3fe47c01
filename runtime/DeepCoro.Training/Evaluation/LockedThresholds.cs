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
    /// The operating thresholds of a run, chosen once on the validation split and then applied unchanged to every
    /// split and every later prediction (thresholds.json: <c>{"head": {"value": v, "rule": "gmean", "chosen_on":
    /// "val"}}</c>, a multiclass head one such object per class name).
    /// </summary>
    public sealed class LockedThresholds
    {
        /// <summary>Per binary head one threshold, per multiclass head one per class in class order.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<LockedThreshold>> Heads { get; }

        public LockedThresholds(IReadOnlyDictionary<string, IReadOnlyList<LockedThreshold>> heads) { Heads = heads; }

        public static readonly LockedThresholds None = new(new Dictionary<string, IReadOnlyList<LockedThreshold>>());

        /// <summary>The threshold of a binary head (class 0) or of class k of a multiclass head;
        /// null when none is locked.</summary>
        public LockedThreshold? For(string head, int k = 0) => Heads.TryGetValue(head, out var list) && k < list.Count ? list[k] : null;

        /// <summary>
        /// Chooses every classification head's thresholds by its rule on validation scores and labels (per head:
        /// the labelled samples' scores, P(positive) or class probabilities, and labels);
        /// <paramref name="note"/> hears every fallback.
        /// </summary>
        public static LockedThresholds Choose(IReadOnlyList<HeadSpec> heads, Func<int, (double[][] Scores, double[] Labels)?> validation,
            ThresholdOptions options, Func<HeadSpec, string[]> classNames, Action<string> note)
        {
            var chosen = new Dictionary<string, IReadOnlyList<LockedThreshold>>();
            for (var h = 0; h < heads.Count; h++)
            {
                var head = heads[h];
                // thresholds are for classification heads only
                if (head.Task is TaskKind.Regression or TaskKind.Survival) continue;
                var rule = options.For(head.Name);
                var samples = validation(h);
                var scores = samples?.Scores ?? Array.Empty<double[]>();
                var labels = samples?.Labels ?? Array.Empty<double>();
                if (head.Task == TaskKind.Binary)
                {
                    chosen[head.Name] = new[] { One(head.Name, null, rule, scores.Select(s => s[0]).ToArray(), labels.Select(v => v > 0.5).ToArray(), note) };
                    continue;
                }
                var names = classNames(head);
                chosen[head.Name] = Enumerable.Range(0, head.Outputs)
                    .Select(k => One(head.Name, names[k], rule, scores.Select(s => s[k]).ToArray(), labels.Select(v => (int)v == k).ToArray(), note)).ToArray();
            }
            return new LockedThresholds(chosen);
        }

        private static LockedThreshold One(string head, string? cls, ThresholdRule rule, double[] score, bool[] positive, Action<string> note)
        {
            if (rule.Kind == "fixed") return new LockedThreshold(cls, rule.Value, rule.ToString(), "fixed");
            if (rule.Choose(score, positive) is { } value) return new LockedThreshold(cls, value, rule.ToString(), "val");
            var what = cls is null ? head : $"{head} class {cls}";
            var message = score.Length == 0
                ? $"{what}: no labelled validation study, so the {rule} threshold cannot be chosen; 0.5 is used (a fallback, not chosen on data)"
                : $"{what}: validation has only {(positive.Any(p => p) ? "positives" : "negatives")}, so the {rule} threshold cannot be chosen; 0.5 is used (a fallback, not chosen on data); set a fixed threshold (training.threshold_rules) to choose one";
            note("warning: " + message);
            return new LockedThreshold(cls, 0.5, rule.ToString(), "fallback", message);
        }

        public void Write(string path) => AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            void Entry(LockedThreshold t)
            {
                json.WriteStartObject();
                json.WriteNumber("value", t.Value);
                json.WriteString("rule", t.Rule);
                json.WriteString("chosen_on", t.ChosenOn);
                if (t.Note is { } n) json.WriteString("note", n);
                json.WriteEndObject();
            }
            json.WriteStartObject();
            foreach (var (head, list) in Heads)
            {
                json.WritePropertyName(head);
                if (list.Count == 1 && list[0].Class is null) { Entry(list[0]); continue; }
                json.WriteStartObject();
                foreach (var t in list)
                {
                    json.WritePropertyName(t.Class!);
                    Entry(t);
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
        });

        /// <summary>Reads a run's thresholds.json for its heads; InvalidDataException naming the file and head when it
        /// does not fit them.</summary>
        public static LockedThresholds Read(string path, IReadOnlyList<HeadSpec> heads, Func<HeadSpec, string[]> classNames)
        {
            var root = RunJsonFile.ReadHeads(path);
            LockedThreshold Entry(string where, string? cls, JsonNode? node)
            {
                if (node is not JsonObject o || o["value"] is not JsonValue v || !v.TryGetValue<double>(out var value))
                    throw new InvalidDataException($"{path}: {where} needs {{\"value\": number, \"rule\": ..., \"chosen_on\": ...}}");
                return new LockedThreshold(cls, value, o["rule"]?.GetValue<string>() ?? "", o["chosen_on"]?.GetValue<string>() ?? "", o["note"]?.GetValue<string>());
            }
            var result = new Dictionary<string, IReadOnlyList<LockedThreshold>>();
            foreach (var head in heads.Where(h => h.Task is TaskKind.Binary or TaskKind.Multiclass))
            {
                var node = root[head.Name] ?? throw new InvalidDataException($"{path}: no threshold for head '{head.Name}'; the file was written for another model");
                if (head.Task == TaskKind.Binary) { result[head.Name] = new[] { Entry(head.Name, null, node) }; continue; }
                result[head.Name] = classNames(head).Select(c => Entry($"{head.Name}.{c}", c, node[c])).ToArray();
            }
            return new LockedThresholds(result);
        }
    }
}
