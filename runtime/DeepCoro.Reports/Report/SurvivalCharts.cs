using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Runtime.Evaluation;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>Pictures of a survival head: Kaplan-Meier curves
    /// by predicted-risk tertile with numbers at risk.</summary>
    public static class SurvivalCharts
    {
        private static readonly ScottPlot.Palettes.Category10 Palette = new();

        private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

        /// <summary>
        /// Kaplan-Meier curves of one split's studies grouped by predicted risk into tertiles, the cut points being
        /// the tertiles of <paramref name="cutRisks"/> (the training split's risks, so that nothing is chosen on the
        /// split drawn); the caption gives the numbers at risk at four times under the plot.
        /// </summary>
        public static Figure KaplanMeierByTertile(string head, string split, double[] time, bool[] @event, double[] risk, double[] cutRisks, string cutSplit)
        {
            var sorted = cutRisks.Where(double.IsFinite).OrderBy(r => r).ToList();
            double low = Bootstrap.Percentile(sorted, 1.0 / 3), high = Bootstrap.Percentile(sorted, 2.0 / 3);
            var group = risk.Select(r => r <= low ? 0 : r <= high ? 1 : 2).ToArray();
            var cohort = new SurvivalCohort(time, @event, risk);
            string[] names = { "low risk", "middle risk", "high risk" };
            var end = time.Length > 0 ? time.Max() : 1;
            var marks = new[] { 0, end / 4, end / 2, 3 * end / 4 };
            var plot = new Plot();
            var atRisk = new List<string>();
            for (var g = 0; g < 3; g++)
            {
                var weight = group.Select(x => x == g ? 1.0 : 0.0).ToArray();
                if (weight.Sum() == 0) continue;
                var km = cohort.KaplanMeier(weight);
                var xs = new List<double> { 0 };
                var ys = new List<double> { 1 };
                double s = 1;
                for (var k = 0; k < km.Time.Length; k++)
                {
                    xs.Add(km.Time[k]); ys.Add(s);
                    s = km.Survival[k];
                    xs.Add(km.Time[k]); ys.Add(s);
                }
                var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), Palette.GetColor(g));
                line.LegendText = $"{names[g]} (n {weight.Sum():0})";
                line.LineWidth = 2;
                line.MarkerSize = 0;
                var counts = marks.Select(m => time.Where((t, i) => group[i] == g && t >= m).Count());
                atRisk.Add($"{names[g]} {string.Join(" / ", counts)}");
            }
            plot.Title($"{head}: Kaplan-Meier by predicted-risk tertile ({split})", size: 14);
            plot.XLabel("time");
            plot.YLabel("event-free survival");
            plot.Axes.SetLimitsY(0, 1.02);
            plot.ShowLegend(Edge.Right);
            var caption = $"Kaplan-Meier curves of the {split} split in three groups by predicted risk, cut at {F(low)} and {F(high)} (the tertiles of the {cutSplit} split's risks). "
                + $"Numbers at risk at time {string.Join(" / ", marks.Select(F))}: {string.Join("; ", atRisk)}.";
            return Figure.Of($"{head}_km_{split}.png", caption, plot);
        }
    }
}
