using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Spec;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// The pictures of one study's attention: across videos, the weight each head puts on the cls token and on each
    /// video (bars); within each video, the weight of each token, on the token grid when the tokens have one (a heat
    /// map per frame T, one row per video; per head and averaged over heads) and as curves otherwise. Padded video
    /// slots are left out; the heads' predictions and the labels are in the titles.
    /// </summary>
    public static class ExplainPlots
    {
        public static IReadOnlyList<Figure> Figures(StudyAttention s, ModelSpec spec, TokenGrid? grid, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> labelsMap)
        {
            var title = $"{s.Study.Id} ({s.Study.Split}): {Outcome(s, spec, labelsMap)}";
            var figures = new List<Figure>();
            foreach (var level in s.Levels)
            {
                if (level.Weights.Length == 1 && level.Padding.Length == 1 && !level.Padding[0] && level.Over != "tokens")
                {
                    figures.Add(Across(level, s.Videos, title));
                }
                else if (grid?.Leading(level.Weights[0][0].Length - 1) is { } leading)
                {
                    var heads = level.Weights[0].Length;
                    figures.Add(Grid(level, grid, leading, null, title, $"{level.Name}_mean.png"));
                    for (var h = 0; h < heads; h++) figures.Add(Grid(level, grid, leading, h, title, $"{level.Name}_head{h}.png"));
                }
                else
                {
                    figures.AddRange(Curves(level, title));
                }
            }
            return figures;
        }

        /// <summary>Each head's prediction and the label: "cathEF 0.612 (label 0.580);
        /// abnormal P 0.83 (label 1)".</summary>
        public static string Outcome(StudyAttention s, ModelSpec spec, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> labelsMap)
        {
            string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
            return string.Join("; ", spec.Heads.Select((h, k) =>
            {
                var label = s.Study.Labels[k];
                var score = s.Scores[k];
                var names = h.Task is TaskKind.Regression or TaskKind.Survival ? null : ClassNames.For(h, labelsMap);
                string Label() => double.IsNaN(label) ? "no label" : names is null ? $"label {F(label)}" : $"label {names[(int)label]}";
                if (h.Task == TaskKind.Regression) return $"{h.Name} {F(score[0])} ({Label()})";
                if (h.Task == TaskKind.Survival) return $"{h.Name} risk {F(score[0])} ({(double.IsNaN(label) ? "no label" : $"time {F(label)}")})";
                if (h.Task == TaskKind.Binary) return $"{h.Name} P({names![1]}) {F(score[0])} ({Label()})";
                var best = Array.IndexOf(score, score.Max());
                return $"{h.Name} {names![best]} {F(score[best])} ({Label()})";
            }));
        }

        private static Figure Across(LevelAttention level, int videos, string title)
        {
            var plot = new Plot();
            var weights = level.Weights[0];
            int heads = weights.Length, positions = Math.Min(videos + 1, weights[0].Length);
            var width = 0.8 / heads;
            var palette = new ScottPlot.Palettes.Category10();
            for (var h = 0; h < heads; h++)
            {
                var bars = Enumerable.Range(0, positions).Select(p => new Bar
                {
                    Position = p - 0.4 + (h + 0.5) * width,
                    Value = weights[h][p],
                    Size = width * 0.9,
                    FillColor = palette.GetColor(h),
                    LineWidth = 0,
                }).ToList();
                var added = plot.Add.Bars(bars);
                added.LegendText = $"head {h}";
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, positions).Select(p => (double)p).ToArray(),
                Enumerable.Range(0, positions).Select(p => p == 0 ? "cls token" : $"video {p}").ToArray());
            plot.Axes.Margins(bottom: 0);
            plot.Axes.SetLimitsY(0, Math.Max(0.05, weights.SelectMany(w => w.Take(positions)).Max() * 1.1));
            plot.YLabel("attention weight");
            plot.Title($"across videos ({level.Name}) - {title}", size: 13);
            plot.ShowLegend(Edge.Right);
            return Figure.Of($"{level.Name}.png", $"Across videos: each head's weight on the cls token and on each video. {title}", plot);
        }

        /// <summary>
        /// Videos as rows, frames as columns, each cell an H x W map of the token
        /// weights (one head's, or the mean over heads), blank lines between cells;
        /// the weight of a leading class token and of the cls token in the row labels.
        /// </summary>
        private static Figure Grid(LevelAttention level, TokenGrid grid, int leading, int? head, string title, string file)
        {
            var videos = Enumerable.Range(0, level.Weights.Length).Where(r => !level.Padding[r]).ToList();
            int rows = videos.Count * (grid.H + 1) - 1, cols = grid.T * (grid.W + 1) - 1;
            var cells = new double[rows, cols];
            for (var i = 0; i < rows; i++) for (var j = 0; j < cols; j++) cells[i, j] = double.NaN;
            var labels = new List<string>();
            for (var v = 0; v < videos.Count; v++)
            {
                var w = Weights(level.Weights[videos[v]], head);
                for (var t = 0; t < grid.T; t++)
                {
                    for (var y = 0; y < grid.H; y++)
                    {
                        for (var x = 0; x < grid.W; x++)
                            cells[v * (grid.H + 1) + y, t * (grid.W + 1) + x] = w[1 + leading + (t * grid.H + y) * grid.W + x];
                    }
                }

                string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
                labels.Add($"video {videos[v] + 1}\ncls {F(w[0])}" + (leading == 1 ? $"\nclass tok {F(w[1])}" : ""));
            }
            var plot = new Plot();
            var map = plot.Add.Heatmap(cells);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
            map.NaNCellColor = Colors.White;
            plot.Add.ColorBar(map);
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, grid.T).Select(t => t * (grid.W + 1) + (grid.W - 1) / 2.0).ToArray(),
                Enumerable.Range(0, grid.T).Select(t => $"t{t}").ToArray());
            plot.Axes.Left.SetTicks(Enumerable.Range(0, videos.Count).Select(v => rows - 1 - (v * (grid.H + 1) + (grid.H - 1) / 2.0)).ToArray(), labels.ToArray());
            plot.Axes.Margins(0, 0);
            var who = head is { } h ? $"head {h}" : "mean over heads";
            plot.Title($"within videos ({level.Name}, {who}) - {title}", size: 13);
            plot.XLabel($"frames (T = {grid.T}), each an H x W = {grid.H} x {grid.W} map");
            var height = Math.Clamp(140 + videos.Count * 130, 300, 900);
            return Figure.Of(file, $"Within videos, {who}: token weights on the {grid} grid, one row per video. {title}", plot, Figure.Width + 200, height);
        }

        /// <summary>Without a grid: per video, each head's weight over the token index.</summary>
        private static IEnumerable<Figure> Curves(LevelAttention level, string title)
        {
            var palette = new ScottPlot.Palettes.Category10();
            for (var r = 0; r < level.Weights.Length; r++)
            {
                if (level.Padding[r]) continue;
                var plot = new Plot();
                var weights = level.Weights[r];
                for (var h = 0; h < weights.Length; h++)
                {
                    var line = plot.Add.ScatterLine(Enumerable.Range(0, weights[h].Length).Select(i => (double)i).ToArray(), weights[h].Select(v => (double)v).ToArray(),
                        palette.GetColor(h));
                    line.LegendText = $"head {h}";
                }
                plot.XLabel("position (0 = cls token, then the tokens)");
                plot.YLabel("attention weight");
                plot.Title($"within video {r + 1} ({level.Name}) - {title}", size: 13);
                plot.ShowLegend(Edge.Right);
                yield return Figure.Of($"{level.Name}_video{r + 1}.png", $"Within video {r + 1}: each head's weight over the tokens (no token grid given). {title}", plot);
            }
        }

        /// <summary>One head's weights, or the mean over heads.</summary>
        private static double[] Weights(float[][] perHead, int? head) =>
            head is { } h ? perHead[h].Select(v => (double)v).ToArray()
                          : Enumerable.Range(0, perHead[0].Length).Select(p => perHead.Average(w => (double)w[p])).ToArray();
    }
}
