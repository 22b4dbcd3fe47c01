using System;
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

        public MetricsLog(string path, int epochsDone)
        {
            this.path = path;
            if (!File.Exists(path)) return;
            var kept = File.ReadAllLines(path).Where(l =>
            {
                using var doc = JsonDocument.Parse(l);
                return doc.RootElement.GetProperty("epoch").GetInt32() <= epochsDone;
            }).ToList();
            IO.AtomicFile.WriteText(path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
        }

        public static string Line(int epoch, long step, IReadOnlyDictionary<string, double> metrics)
        {
            var sb = new StringBuilder("{\"epoch\":").Append(epoch).Append(",\"step\":").Append(step);
            foreach (var (k, v) in metrics)
                sb.Append(',').Append(JsonSerializer.Serialize(k)).Append(':').Append(double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null");
            return sb.Append('}').ToString();
        }

        public void Append(int epoch, long step, IReadOnlyDictionary<string, double> metrics) =>
            File.AppendAllText(path, Line(epoch, step, metrics) + "\n");
    }
}
