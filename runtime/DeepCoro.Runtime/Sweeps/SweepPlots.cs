using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;
using ScottPlot;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>One PNG per swept parameter: the final metric of each trial against the parameter's value.</summary>
    public static class SweepPlots
    {
        public static IReadOnlyList<string> Write(SweepStore store, SweepDefinition sweep, IEnumerable<TrialRecord> trials)
        {
            var scored = trials.Where(t => t.Final is not null).ToList();
            var written = new List<string>();
            if (scored.Count == 0) return written;
            Directory.CreateDirectory(store.PlotsDir);
            foreach (var p in sweep.Parameters.Where(p => p.Distribution != Distribution.Constant))
            {
                var plot = new Plot();
                plot.Title($"{sweep.Metric.Name} against {p.Name} ({scored.Count} trials)");
                plot.YLabel(sweep.Metric.Name);
                if (p.IsCategorical)
                {
                    var labels = p.Values.Select(SweepValues.Format).ToList();
                    var xs = new List<double>(); var ys = new List<double>();
                    foreach (var t in scored)
                    {
                        int k = labels.IndexOf(SweepValues.Format(t.Params[p.Name]));
                        if (k >= 0) { xs.Add(k); ys.Add(t.Final!.Value); }
                    }
                    var s = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray());
                    s.MarkerSize = 9;
                    plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
                    plot.Axes.SetLimitsX(-0.5, labels.Count - 0.5);
                    plot.XLabel(p.Name);
                }
                else
                {
                    var pairs = scored.Select(t => (X: SweepValues.TryNumber(t.Params[p.Name], out var x) ? x : double.NaN, Y: t.Final!.Value))
                                      .Where(q => double.IsFinite(q.X) && (!p.IsLog || q.X > 0)).ToList();
                    var xs = pairs.Select(q => p.IsLog ? Math.Log10(q.X) : q.X).ToArray();
                    var s = plot.Add.ScatterPoints(xs, pairs.Select(q => q.Y).ToArray());
                    s.MarkerSize = 9;
                    plot.XLabel(p.IsLog ? $"log10({p.Name})" : p.Name);
                }
                var best = Leaderboard.Best(scored, sweep.Metric);
                if (best != null) plot.Add.HorizontalLine(best.Final!.Value, 1, Colors.Green, LinePattern.Dashed);
                var file = Path.Combine(store.PlotsDir, Safe(p.Name) + ".png");
                var png = plot.GetImageBytes(800, 500, ImageFormat.Png);
                AtomicFile.Write(file, stream => stream.Write(png));
                written.Add(file);
            }
            return written;
        }

        private static string Safe(string name) => new string(name.Select(c => char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '-' ? c : '_').ToArray());
    }
}
