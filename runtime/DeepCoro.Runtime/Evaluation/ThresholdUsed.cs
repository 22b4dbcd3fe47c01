using System.IO;
using System.Text.Json;
using DeepCoro.Runtime.Report;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// The threshold a binary head's subgroup metrics use, and where it comes from, said next to the numbers: the
    /// run's locked threshold (<c>thresholds.json</c>: <c>{"head": {"value": v, "rule": "...", "chosen_on":
    /// "val"}}</c>) when the run has one, else the sqrt(TPR (1 - FPR)) threshold the run chose on validation
    /// (<c>summary.json</c>'s <c>val/&lt;head&gt;_best_threshold</c>), else 0.5.
    /// </summary>
    public sealed record ThresholdUsed(double Value, string Source)
    {
        public static ThresholdUsed ForRun(string run, string head)
        {
            var locked = Path.Combine(run, "thresholds.json");
            if (File.Exists(locked))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(locked));
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(head, out var entry)
                    && entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number)
                {
                    string Text(string key) => entry.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "?";
                    return new ThresholdUsed(value.GetDouble(), $"locked: {Text("rule")}, chosen on {Text("chosen_on")} (thresholds.json)");
                }
            }
            var summary = RunSummary.Read(Path.Combine(run, "summary.json"));
            if (summary is not null && summary.Metrics.TryGetValue($"val/{head}_best_threshold", out var t) && double.IsFinite(t))
                return new ThresholdUsed(t, "sqrt(TPR (1 - FPR)) chosen on val (summary.json; the run has no thresholds.json)");
            return new ThresholdUsed(0.5, "0.5: the run has neither thresholds.json nor a validation threshold");
        }
    }
}
