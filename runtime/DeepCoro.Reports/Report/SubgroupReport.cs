using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Runtime.Evaluation;
using DeepCoro.Spec;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// A <see cref="SubgroupTable"/> shown: per head a table (n, prevalence, metrics with intervals; a binary head's
    /// at its stated threshold) and a forest plot of the head's main metric per subgroup with the whole split's value
    /// as a line; the same table as console text for <c>eval</c>.
    /// </summary>
    public static class SubgroupReport
    {
        /// <summary>The columns shown per task: (metric name, label).</summary>
        private static IReadOnlyList<(string Name, string Label)> Shown(TaskKind task) => task switch
        {
            TaskKind.Binary => new[] { ("auc", "AUC"), ("sensitivity", "sensitivity"), ("specificity", "specificity"), ("ppv", "PPV"), ("npv", "NPV") },
            TaskKind.Regression => new[] { ("mae", "MAE"), ("rmse", "RMSE"), ("r2", "R²"), ("pearson", "Pearson r") },
            TaskKind.Survival => new[] { ("c_index", "C-index") },
            _ => new[] { ("macro_auc", "macro AUC"), ("accuracy", "accuracy"), ("f1", "macro F1") },
        };

        private static string F(double v) =>
            !double.IsFinite(v) ? "-" : v.ToString(Math.Abs(v) >= 1e4 ? "G3" : "0.000", CultureInfo.InvariantCulture);

        private static string Cell(SubgroupRow row, string name)
        {
            var k = IndexOf(row, name);
            var ci = row.Intervals[k];
            return double.IsFinite(ci.Lower) ? $"{F(row.Values[k])} [{F(ci.Lower)}, {F(ci.Upper)}]" : F(row.Values[k]);
        }

        private static int IndexOf(SubgroupRow row, string name) => row.Names.ToList().IndexOf(name);

        /// <summary>What the table's numbers are, in one sentence per head kind present.</summary>
        public static IReadOnlyList<string> Definitions(SubgroupTable table)
        {
            var lines = new List<string>
            {
                $"Split {table.Split}; subgroups of {string.Join(", ", table.Columns)} (numeric columns cut as [lower, upper): lower edge included); " +
                (table.Resamples > 0 ? $"in brackets the {table.Level * 100:0.##} % percentile bootstrap interval over {table.Resamples} resamples within the subgroup (within each class for classification heads)." : "no intervals (ci_n_bootstrap 0)."),
            };
            foreach (var (head, t) in table.Thresholds)
                lines.Add($"{head}: sensitivity, specificity, PPV and NPV at threshold {t.Value.ToString("0.####", CultureInfo.InvariantCulture)} ({t.Source}), positive when P >= it; AUC does not depend on it.");
            foreach (var head in table.Rows.Where(r => r.Task == TaskKind.Survival).Select(r => r.Head).Distinct())
                lines.Add($"{head}: Harrell's C-index of the risk over the subgroup's labelled studies (docs/survival.md), with its events counted; resampled over all the subgroup's studies.");
            return lines;
        }

        /// <summary>The table as console lines.</summary>
        public static IReadOnlyList<string> Lines(SubgroupTable table)
        {
            var lines = new List<string>(Definitions(table));
            foreach (var head in table.Rows.GroupBy(r => r.Head))
            {
                var task = head.First().Task;
                var shown = Shown(task);
                lines.Add("");
                lines.Add($"{head.Key} ({task.ToString().ToLowerInvariant()})");
                var header = new List<string> { "column", "group", "n" };
                if (task == TaskKind.Binary) header.Add("prevalence");
                if (task == TaskKind.Survival) header.Add("events");
                header.AddRange(shown.Select(s => s.Label));
                var cells = head.Select(r => Row(r, shown)).Prepend(header).ToList();
                var widths = Enumerable.Range(0, header.Count).Select(c => cells.Max(r => r[c].Length)).ToArray();
                lines.AddRange(cells.Select(r => "  " + string.Join("  ", r.Select((c, i) => c.PadRight(widths[i]))).TrimEnd()));
            }
            return lines;
        }

        private static List<string> Row(SubgroupRow r, IReadOnlyList<(string Name, string Label)> shown)
        {
            var row = new List<string> { r.Column, r.Group, r.Count.ToString(CultureInfo.InvariantCulture) };
            if (r.Task == TaskKind.Binary) row.Add(r.Count > 0 ? $"{F(r.Prevalence)} ({r.Positives})" : "-");
            if (r.Task == TaskKind.Survival) row.Add(r.Positives.ToString(CultureInfo.InvariantCulture));
            row.AddRange(shown.Select(s => Cell(r, s.Name)));
            return row;
        }

        /// <summary>Adds the tables to <paramref name="page"/>; returns the forest plots, one per head.</summary>
        public static IReadOnlyList<Figure> Add(HtmlPage page, SubgroupTable table)
        {
            page.Heading($"Subgroups ({table.Split})");
            foreach (var line in Definitions(table)) page.Paragraph(line);
            var figures = new List<Figure>();
            foreach (var head in table.Rows.GroupBy(r => r.Head))
            {
                var task = head.First().Task;
                var shown = Shown(task);
                var header = new List<string> { "column", "group", "n" };
                if (task == TaskKind.Binary) header.Add("prevalence (positives)");
                if (task == TaskKind.Survival) header.Add("events");
                header.AddRange(shown.Select(s => s.Label));
                page.Heading($"{head.Key} ({task.ToString().ToLowerInvariant()})", 3);
                page.Table(header, head.Select(r => (IReadOnlyList<object>)Row(r, shown).Cast<object>().ToList()));
                figures.Add(Forest(table.Split, head.Key, head.ToList(), shown[0]));
            }
            page.Figures(figures);
            return figures;
        }

        /// <summary>The main metric per subgroup, top to bottom in table order, with its interval as a bar; the dashed
        /// line is the whole split's value.</summary>
        private static Figure Forest(string split, string head, IReadOnlyList<SubgroupRow> rows, (string Name, string Label) metric)
        {
            var plot = new Plot();
            var positions = new List<double>();
            var labels = new List<string>();
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                double y = rows.Count - i;
                positions.Add(y);
                labels.Add(r.Column == "all" ? $"all (n = {r.Count})" : $"{r.Column} {r.Group} (n = {r.Count})");
                var k = IndexOf(r, metric.Name);
                var ci = r.Intervals[k];
                if (double.IsFinite(ci.Lower))
                {
                    var bar = plot.Add.Line(ci.Lower, y, ci.Upper, y);
                    bar.LineWidth = 2;
                    bar.Color = Colors.Black;
                }
                if (double.IsFinite(r.Values[k]))
                    plot.Add.Marker(r.Values[k], y, r.Column == "all" ? MarkerShape.FilledDiamond : MarkerShape.FilledSquare, 9, Colors.Black);
            }
            var overall = rows.FirstOrDefault(r => r.Column == "all");
            if (overall is not null && double.IsFinite(overall.Values[IndexOf(overall, metric.Name)]))
            {
                var line = plot.Add.VerticalLine(overall.Values[IndexOf(overall, metric.Name)]);
                line.LinePattern = LinePattern.Dashed;
                line.Color = Colors.Gray;
            }
            plot.Axes.Left.SetTicks(positions.ToArray(), labels.ToArray());
            plot.Axes.SetLimitsY(0.3, rows.Count + 0.7);
            plot.XLabel(metric.Label);
            plot.Title($"{head}: {metric.Label} by subgroup ({split})", size: 14);
            return Figure.Of($"subgroups_{split}_{RunReport.Safe(head)}.png",
                $"{head}, {split}: {metric.Label} per subgroup with its bootstrap interval; dashed: the whole split ({F(overall?.Values[IndexOf(overall, metric.Name)] ?? double.NaN)}).",
                plot, Figure.Width, Math.Max(260, 60 + 32 * rows.Count));
        }
    }
}
