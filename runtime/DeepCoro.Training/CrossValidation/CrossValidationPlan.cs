using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// What a cross-validation directory was made with (cv.json beside folds.csv): a resume must ask for the same,
    /// or the folds already trained would not be the folds of the new request.
    /// </summary>
    public sealed record CrossValidationPlan(
        string ConfigSha256, int Folds, int Repeats, string? GroupBy, string? Stratify, int Seed, IReadOnlyList<string> Overrides)
    {
        public const string FileName = "cv.json";

        public void Write(string directory) => AtomicFile.Write(Path.Combine(directory, FileName), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("config_sha256", ConfigSha256);
            json.WriteNumber("folds", Folds);
            json.WriteNumber("repeats", Repeats);
            json.WriteString("group_by", GroupBy);
            json.WriteString("stratify", Stratify);
            json.WriteNumber("seed", Seed);
            json.WriteStartArray("set");
            foreach (var o in Overrides) json.WriteStringValue(o);
            json.WriteEndArray();
            json.WriteEndObject();
        });

        /// <summary>The plan a directory holds, or null when it holds none.</summary>
        public static CrossValidationPlan? Read(string directory)
        {
            var path = Path.Combine(directory, FileName);
            if (!File.Exists(path)) return null;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                var r = doc.RootElement;
                return new CrossValidationPlan(r.GetProperty("config_sha256").GetString()!, r.GetProperty("folds").GetInt32(), r.GetProperty("repeats").GetInt32(),
                    r.GetProperty("group_by").GetString(), r.GetProperty("stratify").GetString(), r.GetProperty("seed").GetInt32(),
                    r.GetProperty("set").EnumerateArray().Select(e => e.GetString()!).ToList());
            }
            catch (System.Exception e) when (e is JsonException or KeyNotFoundException or System.InvalidOperationException)
            {
                throw new CrossValidationException($"{path}: not a cross-validation plan ({e.Message})", Remedy.OtherOutput);
            }
        }

        /// <summary>Refuses to resume <paramref name="directory"/> (made with this plan)
        /// with another request, naming what differs.</summary>
        public void CheckResume(CrossValidationPlan requested, string directory)
        {
            string? Differs()
            {
                if (ConfigSha256 != requested.ConfigSha256) return "the config's content changed";
                if (Folds != requested.Folds) return $"folds was {Folds}, now {requested.Folds}";
                if (Repeats != requested.Repeats) return $"repeats was {Repeats}, now {requested.Repeats}";
                if (GroupBy != requested.GroupBy) return $"group by was {GroupBy ?? "not given"}, now {requested.GroupBy ?? "not given"}";
                if (Stratify != requested.Stratify) return $"stratify was {Stratify ?? "not given"}, now {requested.Stratify ?? "not given"}";
                if (Seed != requested.Seed) return $"seed was {Seed}, now {requested.Seed}";
                if (!Overrides.SequenceEqual(requested.Overrides))
                    return $"overrides were [{string.Join(" ", Overrides)}], now [{string.Join(" ", requested.Overrides)}]";
                return null;
            }
            if (Differs() is { } why)
                throw new CrossValidationException($"{Path.Combine(directory, FileName)}: {directory} holds folds made with other options ({why})", Remedy.SameInputsOrOtherOutput);
        }
    }
}
