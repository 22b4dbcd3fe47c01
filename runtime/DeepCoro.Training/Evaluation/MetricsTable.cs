using System.Collections.Generic;
using System.Globalization;
using System.Text;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A split's metrics beside its predictions: one row per metric key with its value and, where computed, its
    /// bootstrap interval and level (`metric,value,ci_lower,ci_upper,ci_level`; empty cells for NaN or none).
    /// </summary>
    public static class MetricsTable
    {
        public static void Write(string path, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, MetricInterval> intervals, IntervalOptions options)
        {
            static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
            var sb = new StringBuilder("metric,value,ci_lower,ci_upper,ci_level\n");
            foreach (var (key, value) in metrics)
            {
                sb.Append(key).Append(',').Append(F(value));
                if (intervals.TryGetValue(key, out var ci)) sb.Append(',').Append(F(ci.Lower)).Append(',').Append(F(ci.Upper)).Append(',').Append(F(options.Level));
                else sb.Append(",,,");
                sb.Append('\n');
            }
            AtomicFile.WriteText(path, sb.ToString());
        }
    }
}
