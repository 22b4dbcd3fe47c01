using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Runtime.Evaluation;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// A regression head's binned calibration plot: the studies cut into 10 bins of equal count by prediction, each
    /// bin's mean label against its mean prediction, with the identity and the least-squares line of the label on the
    /// prediction (its intercept and slope are the head's calibration_intercept and calibration_slope).
    /// </summary>
    public static class RegressionCalibrationChart
    {
        private const int Bins = 10;

        public static Figure Of(string head, IReadOnlyList<(string Split, double[] Label, double[] Prediction)> splits)
        {
            static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
            var plot = new Plot();
            var all = splits.SelectMany(s => s.Label.Concat(s.Prediction)).Where(double.IsFinite).ToArray();
            double lo = all.Length > 0 ? all.Min() : 0, hi = all.Length > 0 ? all.Max() : 1;
            plot.Add.Line(lo, lo, hi, hi).LinePattern = LinePattern.Dotted;
            foreach (var (split, label, prediction) in splits)
            {
                var order = Enumerable.Range(0, label.Length).OrderBy(i => prediction[i]).ToArray();
                var bins = Math.Min(Bins, order.Length);
                if (bins == 0) continue;
                var bin = Enumerable.Range(0, bins)
                    .Select(b => order.Skip(b * order.Length / bins).Take((b + 1) * order.Length / bins - b * order.Length / bins).ToArray()).ToArray();
                var points = plot.Add.ScatterPoints(bin.Select(g => g.Average(i => prediction[i])).ToArray(), bin.Select(g => g.Average(i => label[i])).ToArray(),
                    ReportCharts.SplitColor(split));
                points.MarkerSize = 8;
                var (a, b) = Calibration.Line(prediction, label, Enumerable.Repeat(1.0, label.Length).ToArray());
                points.LegendText = $"{split} (n = {label.Length}): label = {F(a)} + {F(b)} x prediction";
                if (double.IsFinite(b)) plot.Add.Line(lo, a + b * lo, hi, a + b * hi).Color = ReportCharts.SplitColor(split);
            }
            plot.XLabel("prediction (bin mean)");
            plot.YLabel("label (bin mean)");
            plot.Title($"{head}: calibration", size: 14);
            plot.ShowLegend(Alignment.UpperLeft);
            return Figure.Of($"calibration_{head}.png", $"{head}: mean label against mean prediction in 10 bins of equal count; dotted: identity; solid: the least-squares line of the label on the prediction (calibration intercept and slope).", plot, 620, 560);
        }
    }
}
