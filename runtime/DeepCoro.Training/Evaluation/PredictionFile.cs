using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A prediction file read without the run's spec: its format from its header, its heads and their tasks from
    /// their columns. This product's files name the task by their columns (<c>h,h_prob</c> binary, <c>h,h_pred</c>
    /// regression, <c>h,h_prob_0..K-1,h_pred</c> multiclass); DeepCORO_CLIP's <c>h_pred,h_true</c> serves binary and
    /// regression heads alike, so a head is read as binary when every label is 0 or 1 and every prediction lies in
    /// [0, 1], else as regression. An out-of-fold file holds each study once per repeat: one repeat is read.
    /// </summary>
    public sealed class PredictionFile
    {
        private static readonly string[] Bookkeeping = { "study_id", "split", "videos", "fold", "repeat", "epoch", "video_name" };

        private readonly string[] header;
        private readonly List<(int Line, string[] Cells)> rows;
        private readonly Dictionary<string, (TaskKind Task, int Label, int[] Scores, int Event)> heads;

        private PredictionFile(string path, PredictionFormat format, int? repeat, string[] header, List<(int, string[])> rows,
            Dictionary<string, (TaskKind, int, int[], int)> heads)
        {
            Path = path;
            this.header = header;
            Format = format;
            Repeat = repeat;
            this.rows = rows;
            this.heads = heads;
        }

        public string Path { get; }

        public PredictionFormat Format { get; }

        /// <summary>The repeat read from an out-of-fold file; null for the other formats.</summary>
        public int? Repeat { get; }

        /// <summary>The column that names a row: <c>study_id</c>,
        /// or <c>video_name</c> in DeepCORO_CLIP's files.</summary>
        public string KeyColumn => Format == PredictionFormat.Reference ? "video_name" : "study_id";

        /// <summary>The heads, in column order, each as "name (task)".</summary>
        public IReadOnlyList<string> Heads => heads.Select(h => $"{h.Key} ({h.Value.Task.ToString().ToLowerInvariant()})").ToList();

        public int Rows => rows.Count;

        /// <summary>What split the rows are from: the split column's values, "out-of-fold" for a cv's file, or the
        /// mode a DeepCORO_CLIP file name starts with (<c>test_predictions_epoch_3.csv</c>: test).</summary>
        public string Split
        {
            get
            {
                if (Format == PredictionFormat.OutOfFold) return $"out-of-fold, repeat {Repeat}";
                if (Format == PredictionFormat.Reference)
                {
                    var name = System.IO.Path.GetFileName(Path);
                    var at = name.IndexOf("_predictions_", StringComparison.Ordinal);
                    return at > 0 ? name[..at] : "unknown (not in the file name)";
                }
                var column = Array.IndexOf(header, "split");
                var values = rows.Select(r => r.Cells[column]).Distinct().ToList();
                return values.Count == 0 ? "none" : string.Join("+", values);
            }
        }

        /// <summary>Reads <paramref name="path"/>; <paramref name="repeat"/> picks the repeat of an out-of-fold file
        /// (0 when null; other formats have one).</summary>
        public static PredictionFile Read(string path, int? repeat = null)
        {
            if (Directory.Exists(path)) throw new PredictionFileException(PredictionProblem.Unreadable, $"{path}: is a folder; give a prediction CSV or a run directory");
            if (!File.Exists(path)) throw new PredictionFileException(PredictionProblem.Unreadable, $"{path}: prediction file not found");
            using var reader = new StreamReader(path);
            var headerLine = reader.ReadLine();
            if (string.IsNullOrWhiteSpace(headerLine))
                throw new PredictionFileException(PredictionProblem.UnknownFormat, $"{path}: empty; expected a prediction file with a header line");
            var header = DelimitedText.Split(headerLine, ",").Select(c => c.Trim()).ToArray();
            bool Has(string c) => header.Contains(c);
            PredictionFormat format;
            if (Has("study_id") && Has("split") && Has("videos"))
            {
                format = Has("fold") && Has("repeat") ? PredictionFormat.OutOfFold : PredictionFormat.Product;
            }
            else if (Has("epoch") && Has("video_name"))
            {
                format = PredictionFormat.Reference;
            }
            else
            {
                throw new PredictionFileException(PredictionProblem.UnknownFormat,
                    $"{path}: neither this product's predictions (study_id,split,videos,<head>,...) nor DeepCORO_CLIP's (epoch,video_name,<head>_pred,...); its columns: {Shorten(header)}");
            }

            var rows = new List<(int, string[])>();
            int line = 1, repeatColumn = Array.IndexOf(header, "repeat"), keyColumn = Array.IndexOf(header, format == PredictionFormat.Reference ? "video_name" : "study_id");
            var repeats = new SortedSet<string>();
            var firstLine = new Dictionary<string, int>();
            for (var text = reader.ReadLine(); text != null; text = reader.ReadLine())
            {
                line++;
                if (text.Length == 0) continue;
                var cells = DelimitedText.Split(text, ",").ToArray();
                if (cells.Length != header.Length)
                    throw new PredictionFileException(PredictionProblem.Unreadable, $"{path}:{line}: {cells.Length} fields, the header has {header.Length}");
                if (repeatColumn >= 0)
                {
                    repeats.Add(cells[repeatColumn]);
                    if (!int.TryParse(cells[repeatColumn], NumberStyles.Integer, CultureInfo.InvariantCulture, out var r))
                        throw new PredictionFileException(PredictionProblem.Unreadable, $"{path}:{line}: repeat '{cells[repeatColumn]}' is not an integer");
                    if (r != (repeat ?? 0)) continue;
                }
                var key = cells[keyColumn];
                if (firstLine.TryGetValue(key, out var first))
                {
                    throw new PredictionFileException(PredictionProblem.Unreadable,
                        $"{path}:{line}: {header[keyColumn]} '{key}' again (first on line {first}); a comparison needs one row per study");
                }

                firstLine[key] = line;
                rows.Add((line, cells));
            }
            if (repeatColumn >= 0 && rows.Count == 0 && repeats.Count > 0)
                throw new PredictionFileException(PredictionProblem.Unreadable, $"{path}: no row of repeat {repeat ?? 0}; its repeats: {string.Join(", ", repeats)}");
            var heads = format == PredictionFormat.Reference ? ReferenceHeads(header, rows) : ProductHeads(header);
            return new PredictionFile(path, format, format == PredictionFormat.OutOfFold ? repeat ?? 0 : null, header, rows, heads);
        }

        /// <summary>One head's rows; fails naming the file and its heads when it has no such head.</summary>
        public HeadPredictions Head(string name)
        {
            if (!heads.TryGetValue(name, out var columns))
            {
                throw new PredictionFileException(PredictionProblem.HeadMissing,
                    $"{Path}: no head '{name}'; its heads: {(heads.Count == 0 ? "none" : string.Join(", ", Heads))}");
            }

            var keys = new string[rows.Count];
            var labels = new double[rows.Count];
            var scores = new double[rows.Count][];
            var events = columns.Event >= 0 ? new double[rows.Count] : null;
            var keyColumn = Array.IndexOf(header, KeyColumn);
            for (var i = 0; i < rows.Count; i++)
            {
                var (line, cells) = rows[i];
                keys[i] = cells[keyColumn];
                labels[i] = Number(cells[columns.Label], line, columns.Label);
                scores[i] = columns.Scores.Select(c => Number(cells[c], line, c)).ToArray();
                if (events is not null) events[i] = Number(cells[columns.Event], line, columns.Event);
            }
            return new HeadPredictions(name, columns.Task, columns.Scores.Length, keys, labels, scores, events);
        }

        private double Number(string cell, int line, int column)
        {
            if (cell.Trim().Length == 0) return double.NaN;
            if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
            throw new PredictionFileException(PredictionProblem.Unreadable, $"{Path}:{line}: {header[column]} '{cell}' is not a number");
        }

        private static Dictionary<string, (TaskKind, int, int[], int)> ProductHeads(string[] header)
        {
            var heads = new Dictionary<string, (TaskKind, int, int[], int)>();
            for (var i = 0; i < header.Length; i++)
            {
                var name = header[i];
                if (Bookkeeping.Contains(name)) continue;
                int Column(string c) => Array.IndexOf(header, c);
                if (Column(name + "_prob_0") >= 0)
                {
                    var scores = new List<int>();
                    for (var k = 0; Column($"{name}_prob_{k}") >= 0; k++) scores.Add(Column($"{name}_prob_{k}"));
                    heads[name] = (TaskKind.Multiclass, i, scores.ToArray(), -1);
                }
                else if (Column(name + "_prob") >= 0)
                {
                    heads[name] = (TaskKind.Binary, i, new[] { Column(name + "_prob") }, -1);
                }
                else if (Column(name + "_pred") >= 0)
                {
                    heads[name] = (TaskKind.Regression, i, new[] { Column(name + "_pred") }, -1);
                }
                // a survival head h: h_time (the label), h_event and h_risk (its score)
                else if (name.EndsWith("_time", StringComparison.Ordinal) && name[..^5] is var h && Column(h + "_event") >= 0 && Column(h + "_risk") >= 0)
                {
                    heads[h] = (TaskKind.Survival, i, new[] { Column(h + "_risk") }, Column(h + "_event"));
                }
            }
            return heads;
        }

        private static Dictionary<string, (TaskKind, int, int[], int)> ReferenceHeads(string[] header, List<(int Line, string[] Cells)> rows)
        {
            var heads = new Dictionary<string, (TaskKind, int, int[], int)>();
            for (var i = 0; i < header.Length; i++)
            {
                if (header[i].EndsWith("_true_class", StringComparison.Ordinal))
                {
                    var name = header[i][..^"_true_class".Length];
                    var scores = Enumerable.Range(0, header.Length).Where(c => header[c].StartsWith(name + "_prob_", StringComparison.Ordinal)).ToArray();
                    if (scores.Length > 0) heads[name] = (TaskKind.Multiclass, i, scores, -1);
                }
                else if (header[i].EndsWith("_true", StringComparison.Ordinal))
                {
                    var name = header[i][..^"_true".Length];
                    var prediction = Array.IndexOf(header, name + "_pred");
                    if (prediction < 0) continue;
                    static bool Is(string cell, Func<double, bool> rule) =>
                        cell.Trim().Length == 0 || (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && rule(v));
                    var binary = rows.Any(r => r.Cells[i].Trim().Length > 0)
                        && rows.All(r => Is(r.Cells[i], v => v == 0 || v == 1) && Is(r.Cells[prediction], v => v >= 0 && v <= 1));
                    heads[name] = (binary ? TaskKind.Binary : TaskKind.Regression, i, new[] { prediction }, -1);
                }
            }
            return heads;
        }

        private static string Shorten(string[] header) =>
            header.Length <= 8 ? string.Join(", ", header) : string.Join(", ", header.Take(8)) + $", ... ({header.Length} in all)";
    }
}
