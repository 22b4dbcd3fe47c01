using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// RUN/report/index.html and its PNGs: the run's facts and metric table (with bootstrap intervals where the run
    /// has them), training curves, per head the evaluation plots of the best model's predictions (ROC and
    /// precision-recall with the chosen threshold, calibration, confusion matrices; scatter and Bland-Altman for
    /// regression), attention over epochs with example maps, and the optimisation telemetry. What a run lacks (an
    /// older run without telemetry, an unfinished one) is left out with a note, never an error.
    /// </summary>
    public static class RunReport
    {
        private static readonly string[] Splits = { "val", "test" };

        public static string Write(RunReportInputs inputs)
        {
            var run = inputs.RunDirectory;
            var spec = inputs.Spec;
            var history = RunHistory.Read(Path.Combine(run, "metrics.jsonl"));
            var summary = RunSummary.Read(Path.Combine(run, "summary.json"));
            var predictions = Splits.Select(s => PredictionTable.Read(Path.Combine(run, $"predictions_{s}.csv"), s, spec.Heads)).Where(p => p is not null).Select(p => p!).ToList();
            var notes = new List<string>(inputs.Notes);
            if (history.Rows.Count == 0) notes.Add("metrics.jsonl holds no epoch yet: no training curves.");
            if (summary is null) notes.Add("No summary.json: the run has not finished, so there are no final metrics or predictions yet.");
            var telemetry = history.Keys.Any(k => k.StartsWith("telemetry/"));
            if (history.Rows.Count > 0 && !telemetry)
                notes.Add("This run logged no telemetry (written by a version before it existed, or with telemetry off): no attention, gradient or memory curves.");

            var clipping = ClippingNote(history);
            if (clipping is not null) notes.Add(clipping);

            var page = new HtmlPage($"Run report: {RunName(run)}");
            page.Table(new[] { "", "" }, Facts(run, spec, history, summary));
            foreach (var n in notes) page.Paragraph(n, "note");
            var figures = new List<Figure>();
            void Section(string heading, IReadOnlyList<Figure> added, string? text = null)
            {
                if (added.Count == 0) return;
                page.Heading(heading);
                if (text is not null) page.Paragraph(text);
                page.Figures(added);
                figures.AddRange(added);
            }

            var thresholdsFile = Path.Combine(run, "thresholds.json");
            var locked = File.Exists(thresholdsFile)
                ? Evaluation.LockedThresholds.Read(thresholdsFile, spec.Heads, h => ClassNames.For(h, inputs.LabelsMap))
                : null;
            if (summary is not null) MetricTables(page, spec, summary, locked);
            Section("Training", TrainingCurves(spec, history, summary));
            foreach (var (head, k) in spec.Heads.Select((h, k) => (h, k)))
            {
                Section($"Head {head.Name} ({Task(head)})", HeadFigures(head, predictions, summary, inputs.LabelsMap, locked?.For(head.Name), run));
                if (head.Task == TaskKind.Survival) SurvivalCalibration(page, head, predictions, summary, run, figures);
            }
            foreach (var table in inputs.Subgroups) figures.AddRange(SubgroupReport.Add(page, table));
            if (telemetry)
            {
                Section("Attention", AttentionCurves(history),
                "Per cls level over the validation set: entropy of the cls query's attention divided by the log of its valid positions (1 = uniform, 0 = all on one position), and the share on the cls token itself.");
            }

            var examples = inputs.Examples.SelectMany(e => ExplainPlots.Figures(e, spec, inputs.Grid, inputs.LabelsMap)
                .Where(f => !f.FileName.Contains("_head")).Select(f => f with { FileName = $"example_{Safe(e.Study.Id)}_{f.FileName}" })).ToList();
            Section("Attention examples", examples, "Studies of the validation split with the largest and the smallest error: where each head looks, as the best model computes it (`deepcoro explain` draws any study).");
            if (telemetry) Section("Optimisation and memory", OptimisationCurves(history));

            var dir = Path.Combine(run, "report");
            Figure.Save(dir, figures);
            var index = Path.Combine(dir, "index.html");
            AtomicFile.WriteText(index, page.Render());
            return index;
        }

        /// <summary>The run as its user calls it: its directory with the parent's name (`runs/cathef`,
        /// `deepcoro-demo/run`), since the model of a config-built run is named after the config's layout.</summary>
        public static string RunName(string run)
        {
            var full = Path.GetFullPath(run).TrimEnd(Path.DirectorySeparatorChar);
            var parent = Path.GetFileName(Path.GetDirectoryName(full) ?? "");
            return string.IsNullOrEmpty(parent) ? Path.GetFileName(full) : $"{parent}/{Path.GetFileName(full)}";
        }

        /// <summary>Share of the logged epochs' steps above which clipping is flagged: clipping most steps
        /// rescales nearly every update, a smaller learning rate in disguise rather than a guard against
        /// spikes.</summary>
        public const double MostStepsClipped = 0.5;

        /// <summary>A note when gradient clipping rescaled most steps over the run (the mean of the epochs' clipped
        /// shares), with the typical gradient norm to choose max_grad_norm from; null otherwise.</summary>
        public static string? ClippingNote(RunHistory history)
        {
            var (_, shares) = history.Series("grad/clipped_share");
            if (shares.Length == 0 || shares.Average() <= MostStepsClipped) return null;
            var (_, norms) = history.Series("grad/norm");
            var typical = norms.Where(double.IsFinite).OrderBy(v => v).ToArray();
            var median = typical.Length == 0 ? "" : $" (the median of the epochs' mean gradient norms is {F(typical[typical.Length / 2])})";
            return $"Gradient clipping rescaled {shares.Average():0%} of the steps (mean over {shares.Length} epochs): max_grad_norm is below the usual gradient norm{median}, so it acts as a smaller learning rate rather than a guard against spikes; raise max_grad_norm above the usual norm, or set it to null.";
        }

        private static string Task(HeadSpec h) => h.Task switch
        {
            TaskKind.Regression => "regression",
            TaskKind.Binary => "binary",
            TaskKind.Survival => $"survival, {SpecJson.LossName(h.Loss)}",
            _ => $"{h.Outputs} classes",
        };

        private static string F(double v) => double.IsFinite(v) ? v.ToString("0.####", CultureInfo.InvariantCulture) : "-";

        public static string Safe(string name) => new(name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_').ToArray());

        private static IEnumerable<IReadOnlyList<object>> Facts(string run, ModelSpec spec, RunHistory history, RunSummary? summary)
        {
            yield return new object[] { "run", Path.GetFullPath(run) };
            yield return new object[] { "model", $"{spec.Name}: D {spec.EmbeddingDim}, axes [{string.Join(", ", spec.Axes)}], heads {string.Join(", ", spec.Heads.Select(h => $"{h.Name} ({Task(h)})"))}" };
            yield return new object[] { "epochs logged", history.Rows.Count };
            if (summary is not null)
                yield return new object[] { "best epoch", summary.BestEpoch is { } b ? $"{b} ({summary.Monitor} = {F(summary.BestValue)})" : $"none improved {summary.Monitor}" };
            yield return new object[] { "written", DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) };
        }

        /// <summary>Per head a table: a row per split, a column per metric, each cell the value and its
        /// interval.</summary>
        private static void MetricTables(HtmlPage page, ModelSpec spec, RunSummary summary, Evaluation.LockedThresholds? locked)
        {
            page.Heading("Metrics of the best model");
            page.Paragraph(summary.IntervalLevel is { } level
                ? $"In brackets: the {level:0.##%} bootstrap percentile interval (resampled within each class for classification heads)."
                : "No confidence intervals: the run computed none (ci_n_bootstrap 0, or written by an older version).");
            foreach (var head in spec.Heads)
            {
                // the metrics the summary holds for the head, in its order (older runs: the task's on-split names)
                var names = summary.Metrics.Keys.Where(k => k.StartsWith("val/" + head.Name + "_")).Select(k => k[(head.Name.Length + 5)..]).ToList();
                if (names.Count == 0) names = Metrics.Names(head.Task).Append("loss").ToList();
                var rows = new List<IReadOnlyList<object>>();
                foreach (var split in new[] { "train", "val", "test" })
                {
                    if (!summary.Metrics.ContainsKey($"{split}/{head.Name}_loss")) continue;
                    rows.Add(names.Select(n =>
                    {
                        var key = $"{split}/{head.Name}_{n}";
                        var value = summary.Metrics.TryGetValue(key, out var v) ? F(v) : "";
                        return (object)(summary.Intervals.TryGetValue(key, out var ci) ? $"{value} [{F(ci.Lower)}, {F(ci.Upper)}]" : value);
                    }).Prepend(split).ToList());
                }
                page.Heading($"{head.Name} ({Task(head)})", 3);
                if (head.Task != TaskKind.Regression) page.Paragraph(ThresholdNote(head, names, locked));
                page.Table(names.Select(n => Header(n, names, locked is not null)).Prepend("split").ToList(), rows);
            }
        }

        private static readonly string[] LockedMetrics = { "threshold", "sensitivity", "specificity", "ppv", "npv", "f1", "accuracy", "tp", "fp", "tn", "fn" };

        private static readonly string[] OnSplitMetrics = { "best_threshold", "f1", "precision", "recall", "accuracy", "specificity", "npv", "ppv", "sensitivity" };

        /// <summary>
        /// A metric column's header with the threshold its numbers use, so that no number reads as unseen when its
        /// threshold was chosen on its own split: the locked one (thresholds.json) or each split's own
        /// (DeepCORO_CLIP's names in its layout, or a run without thresholds.json). Per-class columns
        /// (<c>class_metric</c>) alike.
        /// </summary>
        private static string Header(string name, IReadOnlyList<string> names, bool locked)
        {
            static bool Is(string n, string[] metrics) => metrics.Any(m => n == m || n.EndsWith("_" + m));
            if (name.StartsWith("locked_")) return name + " (locked threshold)";
            var reference = names.Contains("best_threshold");
            if (reference ? Is(name, OnSplitMetrics) : Is(name, LockedMetrics))
                return name + (locked && !reference ? " (locked threshold)" : " (threshold chosen on this split)");
            return name;
        }

        /// <summary>Which threshold each threshold metric of a head's table uses.</summary>
        private static string ThresholdNote(HeadSpec head, IReadOnlyList<string> names, Evaluation.LockedThresholds? locked)
        {
            if (locked?.Heads.TryGetValue(head.Name, out var list) != true || list is null)
                return "This run has no thresholds.json (written by an older version): best_threshold and the metrics beside it use a threshold chosen on each split itself (DeepCORO_CLIP's rule), which flatters every split.";
            var at = string.Join("; ", list.Select(t => (t.Class is null ? "" : $"class {t.Class}: ") + $"{F(t.Value)} ({t.Rule}, {(t.ChosenOn == "val" ? "chosen on val" : t.ChosenOn)})"));
            var text = $"Threshold metrics (sensitivity, specificity, ppv, npv, f1, accuracy, tp, fp, tn, fn{(head.Task == TaskKind.Multiclass ? ", per class one-vs-rest" : "")}) use the locked threshold {at} on every split; the val row is optimistic where the threshold was chosen on val. "
                + "AUC, AUPRC and calibration (brier, ece, calibration_intercept, calibration_slope) use no threshold.";
            if (names.Contains("best_threshold"))
                text += " DeepCORO_CLIP's metrics best_threshold, f1, precision, recall, accuracy, specificity, npv, ppv, sensitivity are kept under its names at a threshold chosen on each split itself (its rule, which flatters every split); the locked_* columns are at the locked threshold.";
            if (names.Contains("uncalibrated_brier"))
                text += " The probabilities were recalibrated on val (calibration.json): every metric is after it, the uncalibrated_* columns are the model's own calibration before it.";
            foreach (var t in list.Where(t => t.Note is not null)) text += " Note: " + t.Note;
            return text;
        }

        private static IReadOnlyList<Figure> TrainingCurves(ModelSpec spec, RunHistory history, RunSummary? summary)
        {
            var figures = new List<Figure>();
            if (history.Rows.Count == 0) return figures;
            ReportCharts.Series S(string label, string key, bool dashed = false, float width = 2)
            {
                var (x, y) = history.Series(key);
                return new ReportCharts.Series(label, x, y, dashed, width);
            }
            var losses = new List<ReportCharts.Series> { S("val main", "val/main_loss", false, 3), S("train main", "train/main_loss", true, 3) };
            foreach (var h in spec.Heads) { losses.Add(S($"val {h.Name}", $"val/{h.Name}_loss")); losses.Add(S($"train {h.Name}", $"train/{h.Name}_loss", true)); }
            figures.Add(ReportCharts.Lines("loss.png", "Loss per head and the weighted main loss (log scale); solid: validation, dashed: training.",
                "loss", "loss", losses, log10: true));
            var main = spec.Heads.Select(h => (h, Metrics.Names(h.Task)[0])).SelectMany(x => new[] { S($"val {x.h.Name} {x.Item2}", $"val/{x.h.Name}_{x.Item2}"), S($"train {x.h.Name} {x.Item2}", $"train/{x.h.Name}_{x.Item2}", true) });
            var plotted = string.Join(", ", spec.Heads.Select(h => $"{h.Name}: {Metrics.Names(h.Task)[0]}"));
            figures.Add(ReportCharts.Lines("main_metric.png", $"Each head's main metric ({plotted}); solid: validation, dashed: training.", "main metric per head", "value", main));
            if (summary is not null && history.Has(summary.Monitor) && !summary.Monitor.EndsWith("main_loss"))
            {
                figures.Add(ReportCharts.Lines("monitor.png", $"The monitored metric {summary.Monitor}, which picks the best epoch.",
                    summary.Monitor, summary.Monitor, new[] { S(summary.Monitor, summary.Monitor) }));
            }

            var rates = history.Keys.Where(k => k.StartsWith("lr/")).Select(k => S(k[3..], k)).ToList();
            if (rates.Count > 0) figures.Add(ReportCharts.Lines("lr.png", "Learning rate of each parameter group at the epoch's last step.", "learning rate per parameter group", "learning rate", rates, log10: true));
            return figures;
        }

        /// <summary>A survival head's calibration at its last horizon: the test split (val without one), cut points
        /// from the training split's risks, intervals as the run's.</summary>
        private static void SurvivalCalibration(HtmlPage page, HeadSpec head, IReadOnlyList<PredictionTable> predictions, RunSummary? summary, string run, List<Figure> figures)
        {
            var cut = PredictionTable.Read(Path.Combine(run, "predictions_train.csv"), "train", predictions.FirstOrDefault()?.HeadSpecs ?? Array.Empty<HeadSpec>());
            var drawn = predictions.LastOrDefault(p => p.Split is "test" or "val");
            if (cut is null || drawn is null || summary is null) return;
            var options = new Evaluation.IntervalOptions { Resamples = summary.Resamples, Level = summary.IntervalLevel ?? 0.95 };
            var added = SurvivalCalibrationReport.Add(page, head.Name, drawn, cut, options, summary.Seed, options.Level);
            page.Figures(added);
            figures.AddRange(added);
        }

        private static IReadOnlyList<Figure> HeadFigures(HeadSpec head, IReadOnlyList<PredictionTable> predictions, RunSummary? summary,
            IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> labelsMap,
            Evaluation.LockedThreshold? locked, string run)
        {
            var figures = new List<Figure>();
            var data = predictions.Select(p => (p.Split, Rows: p.Head(head.Name))).Where(x => x.Rows.Labels.Length > 0).ToList();
            if (data.Count == 0) return figures;
            if (head.Task == TaskKind.Regression)
            {
                var pairs = data.Select(d => (d.Split, d.Rows.Labels, d.Rows.Scores.Select(s => s[0]).ToArray())).ToList();
                figures.Add(ReportCharts.Scatter(head.Name, pairs));
                figures.Add(ReportCharts.BlandAltman(head.Name, pairs));
                figures.Add(RegressionCalibrationChart.Of(head.Name, pairs));
                return figures;
            }
            if (head.Task == TaskKind.Survival)
            {
                // cut points from the training split's risks; curves of the test split (val when there is no test)
                var cut = PredictionTable.Read(Path.Combine(run, "predictions_train.csv"), "train", predictions[0].HeadSpecs);
                var drawn = predictions.LastOrDefault(p => p.Split is "test" or "val");
                if (cut is null || drawn is null) return figures;
                var (time, scores) = drawn.Head(head.Name);
                if (time.Length == 0) return figures;
                figures.Add(SurvivalCharts.KaplanMeierByTertile(head.Name, drawn.Split, time, drawn.Events(head.Name).Select(e => e == 1).ToArray(),
                    scores.Select(s => s[0]).ToArray(), cut.Head(head.Name).Scores.Select(s => s[0]).ToArray(), cut.Split));
                return figures;
            }
            var names = ClassNames.For(head, labelsMap);
            if (head.Task == TaskKind.Binary)
            {
                // the locked threshold; an older run's on-val best_threshold
                var threshold = locked?.Value ?? (summary?.Metrics.TryGetValue($"val/{head.Name}_best_threshold", out var t) == true && double.IsFinite(t) ? t : 0.5);
                var how = locked is null ? "chosen on val" : $"{locked.Rule}, {(locked.ChosenOn == "val" ? "chosen on val" : locked.ChosenOn)}, locked";
                var binary = data.Select(d => (d.Split, Score: d.Rows.Scores.Select(s => s[0]).ToArray(), Positive: d.Rows.Labels.Select(y => y > 0.5).ToArray())).ToList();
                figures.Add(ReportCharts.Roc(head.Name, binary, threshold));
                figures.Add(ReportCharts.PrecisionRecall(head.Name, binary, threshold));
                figures.Add(ReportCharts.Calibration(head.Name, binary.Select(b => (b.Split, b.Score, b.Positive)).ToList()));
                foreach (var b in binary)
                {
                    figures.Add(ReportCharts.Confusion(head.Name, b.Split, names, b.Positive.Select(p => p ? 1 : 0).ToArray(),
                        b.Score.Select(s => s >= threshold ? 1 : 0).ToArray(), $"positive when P >= {F(threshold)} ({how})"));
                }

                return figures;
            }
            var multi = data.Select(d => (d.Split, Truth: d.Rows.Labels.Select(y => (int)y).ToArray(), Predicted: d.Rows.Scores.Select(s => Array.IndexOf(s, s.Max())).ToArray(),
                Confidence: d.Rows.Scores.Select(s => s.Max()).ToArray())).ToList();
            figures.Add(ReportCharts.Calibration(head.Name, multi.Select(m => (m.Split, m.Confidence, m.Truth.Zip(m.Predicted, (t, p) => t == p).ToArray())).ToList()));
            foreach (var m in multi) figures.Add(ReportCharts.Confusion(head.Name, m.Split, names, m.Truth, m.Predicted, "predicted = the most probable class"));
            return figures;
        }

        private static IReadOnlyList<Figure> AttentionCurves(RunHistory history)
        {
            var levels = history.Keys.Where(k => k.StartsWith("attention/") && k.Split('/').Length == 3).Select(k => k.Split('/')[1]).Distinct().ToList();
            var figures = new List<Figure>();
            foreach (var level in levels)
            {
                var heads = history.Keys.Where(k => k.StartsWith($"attention/{level}/h") && k.EndsWith("/entropy")).ToList();
                var series = heads.Select(k => { var (x, y) = history.Series(k); return new ReportCharts.Series(k.Split('/')[2], x, y, false, 1); })
                    .Prepend(Series(history, "mean", $"attention/{level}/entropy", 4)).ToList();
                figures.Add(ReportCharts.Lines($"attention_{level}_entropy.png", $"Level '{level}': normalised entropy of each head's attention (thick: mean over heads); falling means the heads focus.",
                    $"attention entropy, level {level}", "entropy / log(valid positions)", series, limits: (0, 1.02)));
            }
            figures.Add(ReportCharts.Lines("attention_focus.png", "Mean over heads, per level: the largest weight (solid) and the share on the cls token itself (dashed).",
                "attention focus", "weight", levels.SelectMany(l => new[]
                {
                    Series(history, $"{l} max weight", $"attention/{l}/max_weight"), Series(history, $"{l} cls share", $"attention/{l}/cls_share") with { Dashed = true },
                }), limits: (0, 1.02)));
            figures.Add(ReportCharts.Lines("attention_effective.png", "Mean over heads, per level: the effective number of positions attended, exp(entropy) (the cls token counts as one).",
                "effective positions attended", "positions", levels.Select(l => Series(history, l, $"attention/{l}/effective"))));
            return figures;
        }

        private static IReadOnlyList<Figure> OptimisationCurves(RunHistory history)
        {
            var keys = history.Keys;
            var figures = new List<Figure>
            {
                ReportCharts.Lines("gradient_norms.png", "Gradient L2 norm before clipping, per parameter group and global (mean over the epoch's steps).", "gradient norms", "norm",
                    keys.Where(k => k.StartsWith("grad/") && k.EndsWith("/norm") && k != "grad/norm").Select(k => Series(history, k[5..^5], k)).Prepend(Series(history, "global", "grad/norm", 4)), log10: true),
                ReportCharts.Lines("update_ratio.png", "|update| / |weights| per parameter group (sampled steps): about 1e-3 is the usual healthy range.",
                    "update-to-weight ratio", "ratio",
                    keys.Where(k => k.EndsWith("/update_ratio")).Select(k => Series(history, k[5..^13], k)), log10: true),
                ReportCharts.Lines("stability.png", "Share of steps whose gradient norm exceeded max_grad_norm (clipped), and batches and steps skipped for a non-finite loss or gradient.", "clipping and skipped steps", "share / count",
                    new[] { Series(history, "clipped share", "grad/clipped_share"), Series(history, "skipped batches", "train/skipped_batches"), Series(history, "skipped steps", "train/skipped_steps") }),
                ReportCharts.Lines("cls_tokens.png", "Each cls token: its norm, its gradient norm before clipping and its update norm per step.", "cls tokens", "norm",
                    keys.Where(k => k.StartsWith("cls/")).Select(k => Series(history, k[4..], k)), log10: true),
                ReportCharts.Lines("memory.png", "Peak resident memory of the process in each epoch (and CUDA memory in use on CUDA).", "memory", "MB",
                    keys.Where(k => k.StartsWith("memory/")).Select(k => Series(history, k[7..], k))),
                ReportCharts.Lines("telemetry_cost.png", "Time spent measuring all of the above, as a share of the epoch.", "telemetry cost", "share of the epoch",
                    new[] { Series(history, "telemetry share", "telemetry/share") }),
            };
            return figures;
        }

        private static ReportCharts.Series Series(RunHistory history, string label, string key, float width = 2)
        {
            var (x, y) = history.Series(key);
            return new ReportCharts.Series(label, x, y, false, width);
        }
    }
}
