using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Runtime.Evaluation;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// A survival head's calibration at its last horizon in the run report (<see cref="SurvivalCalibrationSamples"/>):
    /// a table per risk tertile (cut at the training split's tertiles) of the mean predicted survival and the
    /// Kaplan-Meier survival with their bootstrap intervals, and the same as a chart against the diagonal.
    /// </summary>
    public static class SurvivalCalibrationReport
    {
        private static string F(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

        /// <summary>
        /// Adds the table to <paramref name="page"/> and returns the chart (none, with a note, when the head has no
        /// predicted survival: a Cox head of a run without a baseline hazard). <paramref name="drawn"/> is the split
        /// shown, <paramref name="cut"/> the training split whose risks give the cut points.
        /// </summary>
        public static IReadOnlyList<Figure> Add(HtmlPage page, string head, PredictionTable drawn, PredictionTable cut, IntervalOptions options, int seed, double level)
        {
            var times = drawn.SurvivalTimes(head);
            var (time, scores) = drawn.Head(head);
            if (time.Length == 0) return Array.Empty<Figure>();
            if (times.Length == 0)
            {
                page.Paragraph($"{head}: no predicted survival (a Cox head of a run without baseline_hazard.json), so no calibration; retrain to fit the baseline hazard.", "note");
                return Array.Empty<Figure>();
            }
            var horizon = times[^1];
            var sorted = cut.Head(head).Scores.Select(s => s[0]).Where(double.IsFinite).OrderBy(r => r).ToList();
            double low = Bootstrap.Percentile(sorted, 1.0 / 3), high = Bootstrap.Percentile(sorted, 2.0 / 3);
            var samples = new SurvivalCalibrationSamples(time, drawn.Events(head).Select(e => e == 1).ToArray(), scores.Select(s => s[0]).ToArray(),
                scores.Select(s => s[^1]).ToArray(), horizon, low, high);
            var values = samples.Evaluate().Values.ToArray();
            var bounds = options.Enabled ? Bootstrap.Intervals(samples, options, seed, 0) : null;
            string Cell(int k) => bounds is null || !double.IsFinite(bounds[k].Lower) ? F(values[k]) : $"{F(values[k])} [{F(bounds[k].Lower)}, {F(bounds[k].Upper)}]";
            var counts = samples.Counts();
            string[] ranges = { $"risk <= {F(low)}", $"{F(low)} < risk <= {F(high)}", $"risk > {F(high)}" };
            var h = horizon.ToString("R", CultureInfo.InvariantCulture);
            page.Heading($"{head}: calibration at time {h} ({drawn.Split})", 3);
            page.Paragraph($"Studies of the {drawn.Split} split in three groups by predicted risk, cut at the tertiles of the {cut.Split} split's risks; per group the mean predicted survival S({h} | x) "
                + $"against the Kaplan-Meier survival at {h} of the group's times and events (observed; '-' when its follow-up ends before {h}). "
                + (bounds is null ? "No intervals (the run computed none)." : $"{100 * level:0}% percentile bootstrap intervals over {options.Resamples} resamples of the {drawn.Split} split."));
            page.Table(new[] { "risk group", "cut", "studies", "events", $"predicted S({h})", $"Kaplan-Meier S({h})" },
                Enumerable.Range(0, 3).Select(g => (IReadOnlyList<object>)new object[]
                    { SurvivalCalibrationSamples.Groups[g], ranges[g], counts[g].Studies, counts[g].Events, Cell(2 * g), Cell(2 * g + 1) }));
            var plot = new Plot();
            plot.Add.Line(0, 0, 1, 1).LinePattern = LinePattern.Dotted;
            var palette = new ScottPlot.Palettes.Category10();
            for (var g = 0; g < 3; g++)
            {
                double x = values[2 * g], y = values[2 * g + 1];
                if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
                var point = plot.Add.Scatter(new[] { x }, new[] { y }, palette.GetColor(g));
                point.MarkerSize = 10;
                point.LegendText = $"{SurvivalCalibrationSamples.Groups[g]} risk (n {counts[g].Studies})";
                if (bounds is not null && double.IsFinite(bounds[2 * g + 1].Lower))
                    plot.Add.Line(x, bounds[2 * g + 1].Lower, x, bounds[2 * g + 1].Upper).Color = palette.GetColor(g);
            }
            plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
            plot.XLabel($"mean predicted S({h})");
            plot.YLabel($"Kaplan-Meier S({h})");
            plot.Title($"{head}: calibration at {h} ({drawn.Split})", size: 14);
            plot.ShowLegend(Alignment.UpperLeft);
            return new[] { Figure.Of($"{head}_calibration_{drawn.Split}.png",
                $"{head}: predicted against Kaplan-Meier survival at {h} per risk tertile ({drawn.Split}, cut points from {cut.Split}), with the Kaplan-Meier interval; on the dotted line predictions are calibrated.", plot, 620, 560) };
        }
    }
}
