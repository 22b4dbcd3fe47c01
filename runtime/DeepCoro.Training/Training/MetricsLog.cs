using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// One JSON object per epoch in metrics.jsonl (NaN as null), "epoch" counted from 1; on resume the lines of
    /// epochs after the checkpoint's last one are dropped.
    /// </summary>
    public sealed class MetricsLog
    {
        private readonly string path;

        /// <summary>The rows kept from an earlier run of this directory
        /// (null as NaN), for TensorBoard to replay.</summary>
        public IReadOnlyList<(int Epoch, Dictionary<string, double> Metrics)> Kept { get; } = new List<(int, Dictionary<string, double>)>();

        public MetricsLog(string path, int epochsDone)
        {
            this.path = path;
            if (!File.Exists(path)) return;
            var lines = File.ReadAllLines(path);
            var kept = new List<string>();
            for (var i = 0; i < lines.Length; i++)
            {
                var epoch = EpochOf(lines[i]);
                // a kill can cut the last line short (appends are not atomic); any other bad line is not ours
                if (epoch is null && i == lines.Length - 1) break;
                if (epoch is null) throw new InvalidDataException($"{path}:{i + 1}: not a metrics line of this trainer; move the file away to resume");
                if (epoch <= epochsDone) kept.Add(lines[i]);
            }
            Kept = kept.Select(Row).ToList();
            IO.AtomicFile.WriteText(path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
        }

        private static (int, Dictionary<string, double>) Row(string line)
        {
            using var doc = JsonDocument.Parse(line);
            var metrics = new Dictionary<string, double>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name is not ("epoch" or "step"))
                    metrics[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
            }

            return (doc.RootElement.GetProperty("epoch").GetInt32(), metrics);
        }

        private static int? EpochOf(string line)
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("epoch", out var e) && e.TryGetInt32(out var n) ? n : null;
            }
            catch (JsonException) { return null; }
        }

        public static string Line(int epoch, long step, IReadOnlyDictionary<string, double> metrics)
        {
            var sb = new StringBuilder("{\"epoch\":").Append(epoch).Append(",\"step\":").Append(step);
            foreach (var (k, v) in metrics)
                sb.Append(',').Append(JsonSerializer.Serialize(k)).Append(':').Append(double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null");
            return sb.Append('}').ToString();
        }

        public void Append(int epoch, long step, IReadOnlyDictionary<string, double> metrics) =>
            IO.OutputException.Guard(path, () => File.AppendAllText(path, Line(epoch, step, metrics) + "\n"));
    }
}
