using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;
using ScottPlot;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The sweep's pictures, every trial with a result in each: one PNG per swept parameter (the metric against the
    /// parameter; categories as columns, log-scaled parameters on a log10 axis) and <c>parallel_coordinates.png</c>
    /// (one line per trial across every parameter and the metric, coloured by rank, the best one thickest).
    /// </summary>
    public static class SweepPlots
    {
        public const string ParallelCoordinates = "parallel_coordinates.png";

        public static IReadOnlyList<string> Write(SweepStore store, SweepDefinition sweep, IEnumerable<TrialRecord> trials)
        {
            var scored = Leaderboard.Rank(trials, sweep.Metric).Where(t => t.HasResult).ToList();
            var written = new List<string>();
            if (scored.Count == 0) return written;
            Directory.CreateDirectory(store.PlotsDir);
            var swept = sweep.Parameters.Where(p => p.Distribution != Distribution.Constant).ToList();
            var axes = swept.Select(p => PlotAxis.For(p, scored)).ToList();
            for (var k = 0; k < swept.Count; k++)
                written.Add(Save(store, Safe(swept[k].Name) + ".png", Scatter(sweep, swept[k], axes[k]), 800));
            if (axes.Count > 0) written.Add(Save(store, ParallelCoordinates, Parallel(sweep, axes, scored), Math.Max(800, 150 * (axes.Count + 1))));
            return written;
        }

        private static Plot Scatter(SweepDefinition sweep, SweepParameter parameter, PlotAxis axis)
        {
            var plot = new Plot();
            plot.Title($"{sweep.Metric.Name} against {parameter.Name} ({axis.Trials.Count} trials)");
            plot.YLabel(sweep.Metric.Name);
            plot.XLabel(axis.Label);
            var s = plot.Add.ScatterPoints(axis.Positions.ToArray(), axis.Trials.Select(t => t.Final!.Value).ToArray());
            s.MarkerSize = 9;
            if (axis.Ticks is IReadOnlyList<string> ticks)
            {
                plot.Axes.Bottom.SetTicks(Enumerable.Range(0, ticks.Count).Select(i => (double)i).ToArray(), ticks.ToArray());
                plot.Axes.SetLimitsX(-0.5, ticks.Count - 0.5);
            }
            plot.Add.HorizontalLine(axis.Trials[0].Final!.Value, 1, Colors.Green, LinePattern.Dashed);
            return plot;
        }

        /// <summary>Axes side by side, each scaled to [0, 1] and labelled with its range;
        /// the metric is the last axis.</summary>
        private static Plot Parallel(SweepDefinition sweep, IReadOnlyList<PlotAxis> axes, IReadOnlyList<TrialRecord> ranked)
        {
            var plot = new Plot();
            plot.Title($"{ranked.Count} trials across the parameters; colour by {sweep.Metric.Name} ({(sweep.Metric.Goal == Goal.Minimize ? "lowest" : "highest")} brightest)");
            var metricAxis = new PlotAxis(sweep.Metric.Name, ranked, ranked.Select(t => t.Final!.Value).ToList(), null);
            var all = axes.Append(metricAxis).ToList();
            var units = all.Select(a => a.Unit()).ToList();
            var colormap = new ScottPlot.Colormaps.Viridis();
            // worst first, so the best lines are drawn on top
            for (var i = ranked.Count - 1; i >= 0; i--)
            {
                var xs = Enumerable.Range(0, all.Count).Select(k => (double)k).ToArray();
                var ys = units.Select(u => u[i]).ToArray();
                var line = plot.Add.Scatter(xs, ys, colormap.GetColor(ranked.Count == 1 ? 1 : 1 - (double)i / (ranked.Count - 1)));
                line.LineWidth = i == 0 ? 4 : 1.5f;
                line.MarkerSize = i == 0 ? 7 : 4;
            }
            for (var k = 0; k < all.Count; k++)
            {
                plot.Add.VerticalLine(k, 1, Colors.Gray);
                var (low, high) = Range(all[k]);
                plot.Add.Text(high, k, 1.04).LabelFontSize = 11;
                plot.Add.Text(low, k, -0.06).LabelFontSize = 11;
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, all.Count).Select(k => (double)k).ToArray(), all.Select(a => a.Label).ToArray());
            plot.Axes.Left.SetTicks(Array.Empty<double>(), Array.Empty<string>());
            plot.Axes.SetLimits(-0.3, all.Count - 0.7, -0.12, 1.12);
            return plot;
        }

        private static (string Low, string High) Range(PlotAxis axis)
        {
            if (axis.Ticks is IReadOnlyList<string> ticks) return (ticks[0], ticks[^1]);
            return (axis.Positions.Min().ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
                    axis.Positions.Max().ToString("G4", System.Globalization.CultureInfo.InvariantCulture));
        }

        private static string Save(SweepStore store, string name, Plot plot, int width)
        {
            var file = Path.Combine(store.PlotsDir, name);
            var png = plot.GetImageBytes(width, 500, ImageFormat.Png);
            AtomicFile.Write(file, stream => stream.Write(png));
            return file;
        }

        private static string Safe(string name) => new string(name.Select(c => char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '-' ? c : '_').ToArray());
    }
}
