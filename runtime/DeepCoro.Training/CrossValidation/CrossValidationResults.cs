using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Evaluation;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.Report;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// Gathers the finished folds of a cross-validation: the out-of-fold predictions (every fold's validation
    /// predictions, made by the model that did not train on them), the fold ensemble on the test split (the mean of
    /// the scores of every fold's model: P(positive), the class probabilities, or the regression value) and a summary
    /// of per-fold, pooled out-of-fold and ensemble metrics with percentile bootstrap intervals.
    /// </summary>
    public static class CrossValidationResults
    {
        /// <summary>Writes oof_predictions.csv, ensemble_predictions_test.csv (when there is a test split) and
        /// summary.json.</summary>
        public static void Collect(CrossValidationDirectory dir, IReadOnlyList<FoldRow> folds, IReadOnlyList<HeadSpec> heads, int k, int repeats,
            IntervalOptions intervals, int seed, string? groupBy, string? stratify)
        {
            for (var r = 0; r < repeats; r++)
            {
                for (var f = 0; f < k; f++)
                {
                    if (!dir.Finished(f, r))
                        throw new CrossValidationException($"{dir.Run(f, r)}: the fold has not finished; run the same deepcoro cv command again to train it");
                }
            }

            WriteOof(dir, folds, heads, k, repeats);
            var tests = Enumerable.Range(0, repeats).SelectMany(r => Enumerable.Range(0, k).Select(f => Path.Combine(dir.Run(f, r), "predictions_test.csv")))
                .Where(File.Exists).ToList();
            var ensemble = tests.Count == k * repeats;
            if (ensemble) WriteEnsemble(dir.Ensemble, tests, heads);
            WriteSummary(dir, heads, k, repeats, intervals, seed, groupBy, stratify, ensemble);
        }

        /// <summary>
        /// The columns of a fold's predictions file that pool across folds: all but a Cox head's <c>head_surv_t</c>,
        /// whose horizons and baseline hazard each fold fitted on its own training studies (a discrete head's bounds
        /// are the spec's, the same in every fold).
        /// </summary>
        private static int[] Pooled(IReadOnlyList<string> header, IReadOnlyList<HeadSpec> heads)
        {
            var cox = heads.Where(h => h.Task == TaskKind.Survival && h.Loss == LossKind.Cox).Select(h => h.Name + "_surv_").ToArray();
            return Enumerable.Range(0, header.Count).Where(c => !cox.Any(prefix => header[c].StartsWith(prefix, StringComparison.Ordinal))).ToArray();
        }

        private static string Project(string line, IReadOnlyList<HeadSpec> heads, ref int[]? kept)
        {
            var fields = DelimitedText.Split(line, ",");
            kept ??= Pooled(fields, heads);
            return string.Join(",", kept.Select(c => FoldsFile.Quote(fields[c])));
        }

        private static void WriteOof(CrossValidationDirectory dir, IReadOnlyList<FoldRow> folds, IReadOnlyList<HeadSpec> heads, int k, int repeats)
        {
            var sb = new StringBuilder();
            string? header = null;
            for (var r = 0; r < repeats; r++)
            {
                var seen = new HashSet<string>();
                for (var f = 0; f < k; f++)
                {
                    var path = Path.Combine(dir.Run(f, r), "predictions_val.csv");
                    int[]? kept = null;
                    var lines = File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => Project(l, heads, ref kept)).ToArray();
                    if (header is null)
                    {
                        header = lines[0];
                        sb.Append(header).Append(",fold,repeat\n");
                    }
                    else if (lines[0] != header)
                    {
                        throw new CrossValidationException($"{path}:1: its columns differ from the other folds' ({header}); the folds were not trained from one config");
                    }

                    foreach (var line in lines.Skip(1))
                    {
                        seen.Add(DelimitedText.Split(line, ",")[0]);
                        sb.Append(line).Append(',').Append(f.ToString(CultureInfo.InvariantCulture)).Append(',').Append(r.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    }
                }
                var expected = folds.Where(x => x.Repeat == r).Select(x => x.StudyId).ToHashSet();
                if (!expected.SetEquals(seen))
                    throw new CrossValidationException($"{dir.Folds}: repeat {r}'s folds predicted {seen.Count} studies, folds.csv holds {expected.Count}; the fold runs were not made from these folds");
            }
            AtomicFile.WriteText(dir.Oof, sb.ToString());
        }

        /// <summary>The mean of each score column over the models' test predictions; a multiclass head's predicted
        /// class is the argmax of its mean probabilities.</summary>
        private static void WriteEnsemble(string path, IReadOnlyList<string> files, IReadOnlyList<HeadSpec> heads)
        {
            var tables = files.Select(f =>
            {
                var lines = File.ReadAllLines(f).Where(l => l.Length > 0).Select(l => DelimitedText.Split(l, ",")).ToArray();
                var kept = Pooled(lines[0], heads);
                return lines.Select(row => kept.Select(c => row[c]).ToArray()).ToArray();
            }).ToArray();
            var header = tables[0][0];
            int Column(string name) => header.IndexOf(name) is var i and >= 0 ? i : throw new CrossValidationException($"{files[0]}: no column '{name}'");
            var averaged = new HashSet<int>();
            var argmax = new List<(int Pred, int[] Probs)>();
            foreach (var h in heads)
            {
                switch (h.Task)
                {
                    case TaskKind.Regression: averaged.Add(Column(h.Name + "_pred")); break;
                    case TaskKind.Binary: averaged.Add(Column(h.Name + "_prob")); break;
                    // the mean risk, and a discrete head's mean survival at each bound
                    case TaskKind.Survival:
                        averaged.Add(Column(h.Name + "_risk"));
                        foreach (var bound in h.Intervals ?? EquatableList<double>.Empty)
                            averaged.Add(Column($"{h.Name}_surv_{bound.ToString("R", CultureInfo.InvariantCulture)}"));
                        break;
                    default:
                        var probs = Enumerable.Range(0, h.Outputs).Select(c => Column($"{h.Name}_prob_{c}")).ToArray();
                        averaged.UnionWith(probs);
                        argmax.Add((Column(h.Name + "_pred"), probs));
                        break;
                }
            }
            var rowsById = tables.Select((t, m) =>
            {
                if (!t[0].SequenceEqual(header)) throw new CrossValidationException($"{files[m]}:1: its columns differ from {files[0]}'s");
                return t.Skip(1).ToDictionary(row => row[0]);
            }).ToArray();
            var sb = new StringBuilder(string.Join(",", header.Select(FoldsFile.Quote))).Append('\n');
            foreach (var first in tables[0].Skip(1))
            {
                var row = first.ToArray();
                var models = rowsById.Select((byId, m) => byId.TryGetValue(row[0], out var other) ? other
                    : throw new CrossValidationException($"{files[m]}: study '{row[0]}' of {files[0]} is missing; the folds' test splits differ")).ToArray();
                foreach (var c in averaged)
                {
                    var values = models.Select(x => double.TryParse(x[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                    row[c] = values.Any(double.IsNaN) ? "" : values.Average().ToString("R", CultureInfo.InvariantCulture);
                }
                foreach (var (pred, probs) in argmax)
                {
                    var p = probs.Select(c => double.TryParse(row[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
                    row[pred] = p.Any(double.IsNaN) ? "" : Array.IndexOf(p, p.Max()).ToString(CultureInfo.InvariantCulture);
                }
                sb.Append(string.Join(",", row.Select(FoldsFile.Quote))).Append('\n');
            }
            AtomicFile.WriteText(path, sb.ToString());
        }

        private static void WriteSummary(CrossValidationDirectory dir, IReadOnlyList<HeadSpec> heads, int k, int repeats, IntervalOptions intervals, int seed,
            string? groupBy, string? stratify, bool ensemble)
        {
            var perFold = new List<(int Fold, int Repeat, PredictionTable Table)>();
            for (var r = 0; r < repeats; r++)
            {
                for (var f = 0; f < k; f++)
                    perFold.Add((f, r, PredictionTable.Read(Path.Combine(dir.Run(f, r), "predictions_val.csv"), "val", heads)!));
            }

            AtomicFile.Write(dir.Summary, stream =>
            {
                using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                json.WriteStartObject();
                json.WriteNumber("folds", k);
                json.WriteNumber("repeats", repeats);
                json.WriteString("group_by", groupBy);
                json.WriteString("stratify", stratify);
                json.WriteStartObject("intervals");
                json.WriteNumber("level", intervals.Level);
                json.WriteNumber("resamples", intervals.Resamples);
                json.WriteNumber("seed", seed);
                json.WriteString("method", "percentile bootstrap over studies, resampled within each class for classification heads");
                json.WriteEndObject();

                json.WriteStartArray("per_fold");
                var values = new Dictionary<string, List<double>>();
                foreach (var (f, r, table) in perFold)
                {
                    json.WriteStartObject();
                    json.WriteNumber("fold", f);
                    json.WriteNumber("repeat", r);
                    json.WriteString("split", $"val: the studies held out in fold {f}, predicted by the model trained on the other folds (which chose its best epoch on them)");
                    var metrics = Metrics(json, heads, h => Of(table, h), intervals, seed);
                    foreach (var (key, v) in metrics) (values.TryGetValue(key, out var list) ? list : values[key] = new List<double>()).Add(v);
                    json.WriteEndObject();
                }
                json.WriteEndArray();

                json.WriteStartObject("across_folds");
                json.WriteString("definition", "mean and sample standard deviation (n - 1) of each fold's validation metric, over every fold of every repeat");
                foreach (var (key, list) in values)
                {
                    var finite = list.Where(double.IsFinite).ToList();
                    json.WriteStartObject(key);
                    Number(json, "mean", finite.Count == 0 ? double.NaN : finite.Average());
                    Number(json, "sd", finite.Count < 2 ? double.NaN : Math.Sqrt(finite.Sum(v => (v - finite.Average()) * (v - finite.Average())) / (finite.Count - 1)));
                    json.WriteNumber("folds", finite.Count);
                    json.WriteEndObject();
                }
                json.WriteEndObject();

                json.WriteStartArray("pooled_out_of_fold");
                for (var r = 0; r < repeats; r++)
                {
                    json.WriteStartObject();
                    json.WriteNumber("repeat", r);
                    json.WriteString("split", "out-of-fold: every training and validation study once, each predicted by the model that did not train on it (oof_predictions.csv)");
                    var ofRepeat = perFold.Where(p => p.Repeat == r).Select(p => p.Table).ToList();
                    Metrics(json, heads, h =>
                    {
                        var parts = ofRepeat.Select(t => Of(t, h)).ToList();
                        return (parts.SelectMany(p => p.Labels).ToArray(), parts.SelectMany(p => p.Scores).ToArray(),
                            h.Task == TaskKind.Survival ? parts.SelectMany(p => p.Events!).ToArray() : null);
                    }, intervals, seed);
                    json.WriteEndObject();
                }
                json.WriteEndArray();

                if (ensemble)
                {
                    var table = PredictionTable.Read(dir.Ensemble, "test", heads)!;
                    json.WriteStartObject("ensemble_test");
                    json.WriteString("split", "test: never trained on nor used to choose an epoch (ensemble_predictions_test.csv)");
                    json.WriteNumber("models", k * repeats);
                    json.WriteString("definition", "the mean over every fold's model of P(positive), the class probabilities, or the regression value");
                    Metrics(json, heads, h => Of(table, h), intervals, seed);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("ensemble_test");
                }

                json.WriteEndObject();
            });
        }

        /// <summary>Writes "metrics": per head its n and each metric's value and interval; returns the values by
        /// key.</summary>
        /// <summary>A head's labels, scores and (survival heads) events in a predictions table; a Cox head's score is
        /// its risk alone, since each fold's survival columns are at that fold's own horizons.</summary>
        private static (double[] Labels, double[][] Scores, double[]? Events) Of(PredictionTable table, HeadSpec head)
        {
            var (labels, scores) = table.Head(head.Name);
            if (head.Task != TaskKind.Survival) return (labels, scores, null);
            return (labels, head.Loss == LossKind.Cox ? scores.Select(s => s[..1]).ToArray() : scores, table.Events(head.Name));
        }

        private static List<(string Key, double Value)> Metrics(Utf8JsonWriter json, IReadOnlyList<HeadSpec> heads,
            Func<HeadSpec, (double[] Labels, double[][] Scores, double[]? Events)> of,
            IntervalOptions intervals, int seed)
        {
            var found = new List<(string, double)>();
            json.WriteStartObject("metrics");
            for (var h = 0; h < heads.Count; h++)
            {
                var (labels, scores, events) = of(heads[h]);
                json.WriteNumber($"{heads[h].Name}_n", labels.Length);
                if (labels.Length == 0) continue;
                var samples = HeadSamples.For(heads[h], scores, labels, events);
                var bounds = Bootstrap.Intervals(samples, intervals, seed, h);
                var m = 0;
                foreach (var (name, value) in samples.Evaluate())
                {
                    var key = $"{heads[h].Name}_{name}";
                    json.WriteStartObject(key);
                    Number(json, "value", value);
                    json.WriteStartArray("ci");
                    foreach (var b in new[] { bounds[m].Lower, bounds[m].Upper })
                    {
                        if (double.IsFinite(b)) json.WriteNumberValue(b);
                        else json.WriteNullValue();
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                    found.Add((key, value));
                    m++;
                }
            }
            json.WriteEndObject();
            return found;
        }

        private static void Number(Utf8JsonWriter json, string name, double v)
        {
            if (double.IsFinite(v)) json.WriteNumber(name, v);
            else json.WriteNull(name);
        }
    }
}
