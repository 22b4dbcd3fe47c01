using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace DeepCoro.Runtime.Report
{
    /// <summary>A run's metrics.jsonl: one row of numbers per epoch (null as NaN);
    /// a line cut short by a kill is skipped.</summary>
    public sealed class RunHistory
    {
        public IReadOnlyList<(int Epoch, IReadOnlyDictionary<string, double> Values)> Rows { get; }

        private RunHistory(IReadOnlyList<(int, IReadOnlyDictionary<string, double>)> rows) { Rows = rows; }

        public static RunHistory Read(string path)
        {
            var rows = new List<(int, IReadOnlyDictionary<string, double>)>();
            if (!File.Exists(path)) return new RunHistory(rows);
            foreach (var line in File.ReadLines(path))
            {
                JsonDocument doc;
                try { doc = JsonDocument.Parse(line); }
                catch (JsonException) { continue; }
                using (doc)
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("epoch", out var e) || !e.TryGetInt32(out var epoch)) continue;
                    var values = new Dictionary<string, double>();
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        if (p.Name is not ("epoch" or "step"))
                            values[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
                    }

                    rows.Add((epoch, values));
                }
            }
            return new RunHistory(rows);
        }

        /// <summary>Every key some epoch logged, in first-seen order.</summary>
        public IReadOnlyList<string> Keys => Rows.SelectMany(r => r.Values.Keys).Distinct().ToList();

        public bool Has(string key) => Rows.Any(r => r.Values.ContainsKey(key));

        /// <summary>Epochs and values of one key (NaN where an epoch lacks it).</summary>
        public (double[] Epochs, double[] Values) Series(string key) =>
            (Rows.Select(r => (double)r.Epoch).ToArray(), Rows.Select(r => r.Values.TryGetValue(key, out var v) ? v : double.NaN).ToArray());
    }
}
