using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.Sweeps;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// SWEEP/report/index.html: the leaderboard (through <see cref="Leaderboard"/>, so it ranks as `sweep status`
    /// does) with a link to each trial's own report, the swept metric per trial with the running best, and the
    /// parameter plots of <see cref="SweepPlots"/>.
    /// </summary>
    public static class SweepReport
    {
        /// <param name="trialReports">per trial index, its report's index.html when it has one.</param>
        public static string Write(SweepStore store, SweepDefinition sweep, IReadOnlyList<TrialRecord> trials, IReadOnlyDictionary<int, string> trialReports,
            IReadOnlyList<string> notes)
        {
            var dir = Path.Combine(store.Dir, "report");
            var metric = sweep.Metric;
            var page = new HtmlPage($"Sweep report: {Path.GetFileName(store.Dir)}");
            var best = Leaderboard.Best(trials, metric);
            page.Table(new[] { "", "" }, new IReadOnlyList<object>[]
            {
                new object[] { "sweep", store.Dir },
                new object[] { "search", $"{sweep.Method.ToString().ToLowerInvariant()}, {trials.Count} trials ({string.Join(", ", trials.GroupBy(t => t.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"))})" },
                new object[] { "metric", $"{metric.Name} ({metric.Goal.ToString().ToLowerInvariant()})" },
                new object[] { "best", best is null ? "no trial has a metric yet" : $"{TrialRecord.Name(best.Index)}: {Number(best.Final)} at epoch {best.BestEpoch}" },
            });
            foreach (var n in notes) page.Paragraph(n, "note");

            var parameters = sweep.Parameters.Where(p => p.Distribution != Distribution.Constant).Select(p => p.Name).ToList();
            page.Heading("Leaderboard");
            var rows = Leaderboard.Rank(trials, metric).Select((t, rank) =>
            {
                var cells = new List<object>
                {
                    t.Final is null ? "" : (rank + 1).ToString(CultureInfo.InvariantCulture),
                    trialReports.TryGetValue(t.Index, out var report)
                        ? new Link(TrialRecord.Name(t.Index), Path.GetRelativePath(dir, report).Replace('\\', '/'))
                        : TrialRecord.Name(t.Index),
                    t.Status.ToString().ToLowerInvariant() + (t.Reason is null ? "" : $": {t.Reason}"),
                    Number(t.Final),
                    t.BestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "",
                };
                cells.AddRange(parameters.Select(p => (object)(t.Params.TryGetPropertyValue(p, out var v) ? SweepValues.Format(v) : "")));
                return (IReadOnlyList<object>)cells;
            });
            page.Table(new[] { "rank", "trial (report)", "status", metric.Name, "best epoch" }.Concat(parameters).ToList(), rows);

            var figures = new List<Figure>();
            if (Progress(trials, metric) is { } progress) figures.Add(progress);
            foreach (var file in SweepPlots.Write(store, sweep, trials))
            {
                figures.Add(new Figure($"param_{Path.GetFileName(file)}", Path.GetFileName(file) == SweepPlots.ParallelCoordinates
                    ? $"Each finished trial as one line across the swept parameters and {metric.Name} (each axis scaled to its range), coloured by {metric.Name}; the best trial thickest."
                    : $"{metric.Name} of each finished trial against {Path.GetFileNameWithoutExtension(file)} (dashed: the best trial).", File.ReadAllBytes(file)));
            }

            if (figures.Count > 0)
            {
                page.Heading("Plots");
                page.Figures(figures);
            }
            Figure.Save(dir, figures);
            var index = Path.Combine(dir, "index.html");
            AtomicFile.WriteText(index, page.Render());
            return index;
        }

        private static string Number(double? v) => v is { } x ? x.ToString("G6", CultureInfo.InvariantCulture) : "";

        /// <summary>Each scored trial's metric in trial order, and the best so far.</summary>
        private static Figure? Progress(IReadOnlyList<TrialRecord> trials, SweepMetric metric)
        {
            var scored = trials.Where(t => t.Final is not null).OrderBy(t => t.Index).ToList();
            if (scored.Count == 0) return null;
            var plot = new Plot();
            var xs = scored.Select(t => (double)t.Index).ToArray();
            var ys = scored.Select(t => t.Final!.Value).ToArray();
            var points = plot.Add.ScatterPoints(xs, ys);
            points.MarkerSize = 8;
            points.LegendText = "trial";
            var running = new double[ys.Length];
            for (var i = 0; i < ys.Length; i++) running[i] = i == 0 || metric.Better(ys[i], running[i - 1]) ? ys[i] : running[i - 1];
            var line = plot.Add.ScatterLine(xs, running);
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = "best so far";
            plot.XLabel("trial");
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            plot.YLabel(metric.Name);
            plot.Title($"{metric.Name} per trial", size: 14);
            plot.ShowLegend(Alignment.UpperRight);
            return Figure.Of("progress.png", $"{metric.Name} of each trial with a metric, and the best so far.", plot);
        }
    }
}
