using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>The report's chart types, drawn with ScottPlot: curves
    /// over epochs and the per-head evaluation plots.</summary>
    public static class ReportCharts
    {
        /// <summary>One line of a curve chart.</summary>
        public sealed record Series(string Label, double[] X, double[] Y, bool Dashed = false, float Width = 2);

        private static readonly ScottPlot.Palettes.Category10 Palette = new();

        /// <summary>Colours by split: val blue, test orange, train green.</summary>
        public static Color SplitColor(string split) => Palette.GetColor(split switch { "val" => 0, "test" => 1, "train" => 2, _ => 3 });

        private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

        /// <summary>Lines over epochs; NaN points are dropped; with
        /// <paramref name="log10"/> the values are drawn as log10.</summary>
        /// <param name="limits">fixed y limits (shares: 0 to 1), or null to fit the data.</param>
        public static Figure Lines(string file, string caption, string title, string yLabel, IEnumerable<Series> series, bool log10 = false,
            (double Low, double High)? limits = null)
        {
            var plot = new Plot();
            var i = 0;
            foreach (var s in series)
            {
                var points = s.X.Zip(s.Y).Where(p => double.IsFinite(p.Second) && (!log10 || p.Second > 0)).ToArray();
                var color = Palette.GetColor(i++ % 10);
                if (points.Length == 0) continue;
                var line = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => log10 ? Math.Log10(p.Second) : p.Second).ToArray(), color);
                line.LegendText = s.Label;
                line.LineWidth = s.Width;
                line.MarkerSize = points.Length == 1 ? 7 : 3;
                if (s.Dashed) line.LinePattern = LinePattern.Dashed;
            }
            plot.Title(title, size: 14);
            plot.XLabel("epoch");
            plot.YLabel(log10 ? $"log10 {yLabel}" : yLabel);
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            if (limits is { } l) plot.Axes.SetLimitsY(l.Low, l.High);
            plot.ShowLegend(Edge.Right);
            return Figure.Of(file, caption, plot);
        }

        /// <summary>ROC curves per split, the chosen threshold marked on each, the chance diagonal.</summary>
        public static Figure Roc(string head, IReadOnlyList<(string Split, double[] Score, bool[] Positive)> splits, double threshold)
        {
            var plot = new Plot();
            plot.Add.Line(0, 0, 1, 1).LinePattern = LinePattern.Dotted;
            foreach (var (split, score, positive) in splits)
            {
                var curve = CurvePoints.Roc(score, positive);
                var line = plot.Add.ScatterLine(curve.X, curve.Y, SplitColor(split));
                line.LineWidth = 2;
                line.LegendText = $"{split} (AUC {F(Training.Metrics.Auc(score, positive))}, n = {score.Length})";
                var at = CurvePoints.At(score, positive, threshold);
                plot.Add.Marker(at.Fpr, at.Tpr, MarkerShape.FilledCircle, 10, SplitColor(split));
            }
            plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
            plot.XLabel("false positive rate");
            plot.YLabel("true positive rate");
            plot.Title($"{head}: ROC (dot: threshold {F(threshold)})", size: 14);
            plot.ShowLegend(Alignment.LowerRight);
            return Figure.Of($"roc_{head}.png", $"{head}: ROC curves; the dot is the threshold chosen on val (max sqrt(TPR (1 - FPR))), {F(threshold)}.", plot, 620, 560);
        }

        /// <summary>Precision-recall curves per split, the chosen threshold marked,
        /// the positive rate as the chance line.</summary>
        public static Figure PrecisionRecall(string head, IReadOnlyList<(string Split, double[] Score, bool[] Positive)> splits, double threshold)
        {
            var plot = new Plot();
            foreach (var (split, score, positive) in splits)
            {
                var curve = CurvePoints.PrecisionRecall(score, positive);
                var line = plot.Add.ScatterLine(curve.X, curve.Y, SplitColor(split));
                line.LineWidth = 2;
                line.LegendText = $"{split} (AP {F(Training.Metrics.AveragePrecision(score, positive))})";
                var at = CurvePoints.At(score, positive, threshold);
                plot.Add.Marker(at.Tpr, at.Precision, MarkerShape.FilledCircle, 10, SplitColor(split));
                plot.Add.HorizontalLine(positive.Count(p => p) / (double)Math.Max(1, positive.Length), 1, SplitColor(split), LinePattern.Dotted);
            }
            plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
            plot.XLabel("recall");
            plot.YLabel("precision");
            plot.Title($"{head}: precision-recall (dot: threshold {F(threshold)})", size: 14);
            plot.ShowLegend(Alignment.LowerLeft);
            return Figure.Of($"pr_{head}.png", $"{head}: precision-recall curves; dotted: the share of positives; the dot is the chosen threshold.", plot, 620, 560);
        }

        /// <summary>
        /// Reliability: predicted probability (10 equal-width bins, the bins' mean) against the observed share of
        /// positives (binary) or of correct top predictions (multiclass, by top-label confidence).
        /// </summary>
        public static Figure Calibration(string head, IReadOnlyList<(string Split, double[] Confidence, bool[] Hit)> splits)
        {
            var plot = new Plot();
            plot.Add.Line(0, 0, 1, 1).LinePattern = LinePattern.Dotted;
            foreach (var (split, confidence, hit) in splits)
            {
                var bins = Enumerable.Range(0, confidence.Length).GroupBy(i => Math.Min(9, (int)(confidence[i] * 10))).OrderBy(g => g.Key)
                    .Select(g => (X: g.Average(i => confidence[i]), Y: g.Average(i => hit[i] ? 1.0 : 0.0), N: g.Count())).ToArray();
                var line = plot.Add.Scatter(bins.Select(b => b.X).ToArray(), bins.Select(b => b.Y).ToArray(), SplitColor(split));
                line.LegendText = $"{split} (n = {confidence.Length})";
                line.MarkerSize = 8;
            }
            plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
            plot.XLabel("predicted probability (bin mean)");
            plot.YLabel("observed frequency");
            plot.Title($"{head}: calibration", size: 14);
            plot.ShowLegend(Alignment.UpperLeft);
            return Figure.Of($"calibration_{head}.png", $"{head}: reliability diagram over 10 probability bins; on the dotted line predictions are calibrated.", plot, 620, 560);
        }

        /// <summary>Counts of (true class, predicted class), class names on the axes,
        /// counts and row shares in the cells.</summary>
        public static Figure Confusion(string head, string split, string[] names, int[] truth, int[] predicted, string how)
        {
            var k = names.Length;
            var counts = new double[k, k];
            for (var i = 0; i < truth.Length; i++) counts[truth[i], predicted[i]]++;
            var shares = new double[k, k];
            for (var t = 0; t < k; t++)
            {
                var row = Enumerable.Range(0, k).Sum(p => counts[t, p]);
                for (var p = 0; p < k; p++) shares[t, p] = row > 0 ? counts[t, p] / row : 0;
            }
            var plot = new Plot();
            var map = plot.Add.Heatmap(shares);
            map.Colormap = new ScottPlot.Colormaps.Blues().Reversed();   // ScottPlot's Blues runs dark to light
            map.ManualRange = new ScottPlot.Range(0, 1);
            for (var t = 0; t < k; t++)
            {
                for (var p = 0; p < k; p++)
                {
                    var text = plot.Add.Text($"{counts[t, p]:0}\n{shares[t, p]:0%}", p, k - 1 - t);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = k > 8 ? 10 : 14;
                    text.LabelFontColor = shares[t, p] > 0.5 ? Colors.White : Colors.Black;
                }
            }

            var positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
            plot.Axes.Bottom.SetTicks(positions, names);
            plot.Axes.Left.SetTicks(positions.Select(i => k - 1 - i).ToArray(), names);
            plot.XLabel("predicted");
            plot.YLabel("true");
            plot.Title($"{head}, {split}: confusion matrix", size: 14);
            var size = Math.Clamp(260 + 70 * k, 460, 1000);
            return Figure.Of($"confusion_{head}_{split}.png",
                $"{head}, {split}: counts and shares of each true class (rows) predicted as each class (columns); {how}.", plot, size + 60, size);
        }

        /// <summary>Predictions against labels with the identity line.</summary>
        public static Figure Scatter(string head, IReadOnlyList<(string Split, double[] Label, double[] Prediction)> splits)
        {
            var plot = new Plot();
            var all = splits.SelectMany(s => s.Label.Concat(s.Prediction)).Where(double.IsFinite).ToArray();
            double lo = all.Length > 0 ? all.Min() : 0, hi = all.Length > 0 ? all.Max() : 1;
            plot.Add.Line(lo, lo, hi, hi).LinePattern = LinePattern.Dashed;
            foreach (var (split, label, prediction) in splits)
            {
                var points = plot.Add.ScatterPoints(label, prediction, SplitColor(split));
                points.MarkerSize = 5;
                points.LegendText = $"{split} (n = {label.Length}, r = {F(Training.Metrics.Regression(prediction, label)["pearson"])})";
            }
            plot.XLabel("label");
            plot.YLabel("prediction");
            plot.Title($"{head}: predictions against labels (dashed: identity)", size: 14);
            plot.ShowLegend(Alignment.UpperLeft);
            return Figure.Of($"scatter_{head}.png", $"{head}: each study's prediction against its label; the dashed line is prediction = label.", plot, 620, 560);
        }

        /// <summary>Bland-Altman: the difference prediction - label against their mean, with the bias and the 95 %
        /// limits of agreement.</summary>
        public static Figure BlandAltman(string head, IReadOnlyList<(string Split, double[] Label, double[] Prediction)> splits)
        {
            var plot = new Plot();
            foreach (var (split, label, prediction) in splits)
            {
                var mean = label.Zip(prediction, (l, p) => (l + p) / 2).ToArray();
                var diff = label.Zip(prediction, (l, p) => p - l).ToArray();
                if (diff.Length == 0) continue;
                double bias = diff.Average(), sd = Math.Sqrt(diff.Sum(d => (d - bias) * (d - bias)) / Math.Max(1, diff.Length - 1));
                var points = plot.Add.ScatterPoints(mean, diff, SplitColor(split));
                points.MarkerSize = 5;
                points.LegendText = $"{split}: bias {F(bias)}, limits {F(bias - 1.96 * sd)} .. {F(bias + 1.96 * sd)}";
                plot.Add.HorizontalLine(bias, 2, SplitColor(split), LinePattern.Solid);
                plot.Add.HorizontalLine(bias - 1.96 * sd, 1, SplitColor(split), LinePattern.Dashed);
                plot.Add.HorizontalLine(bias + 1.96 * sd, 1, SplitColor(split), LinePattern.Dashed);
            }
            plot.XLabel("(prediction + label) / 2");
            plot.YLabel("prediction - label");
            plot.Title($"{head}: Bland-Altman", size: 14);
            plot.ShowLegend(Alignment.UpperRight);
            return Figure.Of($"bland_altman_{head}.png", $"{head}: difference against mean per study; solid: the mean difference (bias), dashed: bias +- 1.96 sd.", plot, 620, 560);
        }
    }
}
