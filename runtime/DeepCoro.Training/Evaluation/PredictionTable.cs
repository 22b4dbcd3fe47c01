using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// A predictions_{split}.csv read back per head: the labelled studies' labels and scores (the regression
    /// value, P(positive), or the class probabilities), in file order.
    /// </summary>
    public sealed class PredictionTable
    {
        public string Split { get; }

        private readonly Dictionary<string, (double[] Labels, double[][] Scores)> heads;

        /// <summary>Every study of the file, labelled or not, in file order.</summary>
        public IReadOnlyList<StudyScores> Studies { get; }

        /// <summary>The heads the table was read for.</summary>
        public IReadOnlyList<HeadSpec> HeadSpecs { get; private init; } = Array.Empty<HeadSpec>();

        private PredictionTable(string split, Dictionary<string, (double[], double[][])> heads, IReadOnlyList<StudyScores> studies)
        {
            Split = split;
            this.heads = heads;
            Studies = studies;
        }

        public (double[] Labels, double[][] Scores) Head(string name) => heads[name];

        private readonly Dictionary<string, double[]> events = new();

        /// <summary>A survival head's events of its labelled studies, in the order of <see cref="Head"/>'s
        /// labels (its labels are the times).</summary>
        public double[] Events(string name) => events[name];

        private readonly Dictionary<string, double[]> survivalTimes = new();

        /// <summary>The times t of a survival head's survival columns (<c>head_surv_t</c>), in the order of its
        /// scores after the risk; empty for a Cox head without a baseline hazard.</summary>
        public double[] SurvivalTimes(string name) => survivalTimes[name];

        /// <summary>t of a column <c>head_surv_t</c> of the head; null for any other column.</summary>
        private static double? SurvivalTime(string column, string head) =>
            column.StartsWith(head + "_surv_", StringComparison.Ordinal)
            && double.TryParse(column[(head.Length + 6)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t : null;

        /// <summary>The table, or null when the file does not exist.</summary>
        public static PredictionTable? Read(string path, string split, IReadOnlyList<HeadSpec> specHeads)
        {
            if (!File.Exists(path)) return null;
            var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
            if (lines.Length == 0) return null;
            var header = Fields(lines[0]);
            int Column(string name)
            {
                var i = Array.IndexOf(header, name);
                return i >= 0 ? i : throw new InvalidDataException($"{path}: no column '{name}'; not written by this version of `deepcoro train`");
            }
            var rows = lines.Skip(1).Select(Fields).ToArray();
            double Number(string[] row, int column) =>
                column < row.Length && double.TryParse(row[column], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            var result = new Dictionary<string, (double[], double[][])>();
            var survivalEvents = new Dictionary<string, double[]>();
            var survivalTimes = new Dictionary<string, double[]>();
            var id = Column("study_id");
            var labels = new int[specHeads.Count];
            var scores = new int[specHeads.Count][];
            foreach (var (h, k) in specHeads.Select((h, k) => (h, k)))
            {
                var label = Column(h.Task == TaskKind.Survival ? h.Name + "_time" : h.Name);
                var scoreColumns = h.Task switch
                {
                    // the risk, then a discrete head's survival at each bound, or a Cox head's at each horizon when a
                    // baseline hazard gave it one (an older run's Cox head has none)
                    TaskKind.Survival => (h.Intervals is { Count: > 0 } bounds
                            ? bounds.Select(b => Column($"{h.Name}_surv_{b.ToString("R", CultureInfo.InvariantCulture)}"))
                            : Enumerable.Range(0, header.Length).Where(c => SurvivalTime(header[c], h.Name) is not null))
                        .Prepend(Column(h.Name + "_risk")).ToArray(),
                    TaskKind.Regression => new[] { Column(h.Name + "_pred") },
                    TaskKind.Binary => new[] { Column(h.Name + "_prob") },
                    _ => Enumerable.Range(0, h.Outputs).Select(k => Column($"{h.Name}_prob_{k}")).ToArray(),
                };
                var labelled = rows.Where(r => !double.IsNaN(Number(r, label))).ToArray();
                result[h.Name] = (labelled.Select(r => Number(r, label)).ToArray(), labelled.Select(r => scoreColumns.Select(c => Number(r, c)).ToArray()).ToArray());
                if (h.Task == TaskKind.Survival)
                {
                    survivalEvents[h.Name] = labelled.Select(r => Number(r, Column(h.Name + "_event"))).ToArray();
                    survivalTimes[h.Name] = scoreColumns.Skip(1).Select(c => SurvivalTime(header[c], h.Name)!.Value).ToArray();
                }
                labels[k] = label;
                scores[k] = scoreColumns;
            }
            var eventColumns = specHeads.Select(h => h.Task == TaskKind.Survival ? Column(h.Name + "_event") : -1).ToArray();
            var studies = rows.Select(r => new StudyScores(r[id], labels.Select(c => Number(r, c)).ToArray(), scores.Select(cs => cs.Select(c => Number(r, c)).ToArray()).ToArray())
            {
                Events = eventColumns.Select(c => c < 0 ? double.NaN : Number(r, c)).ToArray(),
            }).ToList();
            var table = new PredictionTable(split, result, studies) { HeadSpecs = specHeads };
            foreach (var (name, e) in survivalEvents) table.events[name] = e;
            foreach (var (name, t) in survivalTimes) table.survivalTimes[name] = t;
            return table;
        }

        /// <summary>Comma-separated fields with double-quoted ones ("" inside quotes is a quote), as the writer
        /// writes them.</summary>
        private static string[] Fields(string line)
        {
            var fields = new List<string>();
            var current = new System.Text.StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == ',' && !quoted) { fields.Add(current.ToString()); current.Clear(); }
                else
                {
                    current.Append(c);
                }
            }
            fields.Add(current.ToString());
            return fields.ToArray();
        }
    }
}
