using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Data
{
    /// <summary>The studies of a manifest, by split, in manifest order.</summary>
    public sealed record ManifestData(IReadOnlyList<Study> Train, IReadOnlyList<Study> Val, IReadOnlyList<Study> Test)
    {
        public IReadOnlyList<Study> Split(string name) => name switch
        {
            "train" => Train,
            "val" => Val,
            "test" => Test,
            _ => throw new ArgumentException($"split '{name}': expected train, val or test"),
        };
    }

    /// <summary>
    /// Reads a manifest (one row per video) into studies grouped by the study column; labels are parsed per head
    /// by its task (regression: a number; binary: 0/1; multiclass: 0..K-1; or a name through labels_map).
    /// </summary>
    public static class Manifest
    {
        private static readonly HashSet<string> MissingTokens = new(StringComparer.OrdinalIgnoreCase) { "", "nan", "na", "null", "none" };

        public static ManifestData Read(DataOptions options, IReadOnlyList<HeadSpec> heads, int viewClasses = 0)
        {
            var path = options.Manifest;
            if (!File.Exists(path)) throw new DataException($"{path}: manifest not found");
            using var reader = new StreamReader(path);
            var headerLine = reader.ReadLine() ?? throw new DataException($"{path}: the manifest is empty");
            var header = DelimitedText.Split(headerLine, options.Separator);
            int Column(string name, string key)
            {
                int i = header.IndexOf(name);
                if (i >= 0) return i;
                var hint = header.Count == 1 && options.Separator != "," && headerLine.Contains(',')
                    ? $"the header has one column: is the separator '{options.Separator}' right (data.separator)?"
                    : Suggestions.Hint(name, header);
                throw new DataException($"{path}: column '{name}' ({key}) not found in the header; {hint}");
            }
            int study = Column(options.StudyColumn, "data.study_column"), split = Column(options.SplitColumn, "data.split_column");
            int file = Column(options.PathColumn, "data.path_column");
            int view = options.ViewColumn is { } vc ? Column(vc, "data.view_column") : -1;
            foreach (var key in options.LabelColumns.Keys.Concat(options.LabelsMap.Keys))
                if (!heads.Any(h => h.Name == key))
                    throw new DataException($"data: '{key}' is not a head of the model; {Suggestions.Hint(key, heads.Select(h => h.Name))}");
            foreach (var h in heads)
                if (h.Task == TaskKind.Regression && options.LabelsMap.ContainsKey(h.Name))
                    throw new DataException($"data.labels_map.{h.Name}: '{h.Name}' is a regression head; its labels are numbers, not classes");
            var labelCols = heads.Select(h => Column(options.LabelColumns.TryGetValue(h.Name, out var c) ? c : h.Name, $"label of head '{h.Name}'")).ToArray();
            var root = options.Root ?? Path.GetDirectoryName(Path.GetFullPath(path))!;

            var studies = new Dictionary<string, Study>();
            var order = new List<Study>();
            int lineNo = 1;
            for (var line = reader.ReadLine(); line != null; line = reader.ReadLine())
            {
                lineNo++;
                if (line.Length == 0) continue;
                var f = DelimitedText.Split(line, options.Separator);
                if (f.Count != header.Count)
                    throw new DataException($"{path}:{lineNo}: {f.Count} fields, the header has {header.Count}");
                var labels = heads.Select((h, i) => ParseLabel(h, f[labelCols[i]], options, path, lineNo)).ToArray();
                var id = f[study];
                if (id.Length == 0) throw new DataException($"{path}:{lineNo}: empty study id ({options.StudyColumn})");
                long viewId = viewClasses;
                if (view >= 0 && !MissingTokens.Contains(f[view]))
                {
                    if (!long.TryParse(f[view], NumberStyles.Integer, CultureInfo.InvariantCulture, out viewId) || viewId < 0 || viewId >= viewClasses)
                        throw new DataException($"{path}:{lineNo}: view id '{f[view]}' ({options.ViewColumn}) is not an integer in [0, {viewClasses - 1}]");
                }
                var video = new VideoRef(Path.Combine(root, f[file]), lineNo, viewId);
                if (!studies.TryGetValue(id, out var s))
                {
                    s = new Study { Id = id, Split = f[split], Videos = new List<VideoRef>(), Labels = labels, FirstLine = lineNo };
                    studies[id] = s;
                    order.Add(s);
                }
                else
                {
                    if (s.Split != f[split])
                        throw new DataException($"{path}:{lineNo}: study '{id}' is in split '{f[split]}' here but '{s.Split}' on line {s.FirstLine}");
                    for (int i = 0; i < heads.Count; i++)
                        if (!SameLabel(s.Labels[i], labels[i]))
                            throw new DataException($"{path}:{lineNo}: study '{id}' has label {heads[i].Name} = {labels[i]} here but {s.Labels[i]} on line {s.FirstLine}");
                }
                if (options.Layout == FileLayout.Study && s.Videos.Count > 0 && s.Videos[0].Path != video.Path)
                    throw new DataException($"{path}:{lineNo}: study '{id}' names a second study file; with data.layout: study each study has one file");
                if (options.Layout == FileLayout.Video || s.Videos.Count == 0) s.Videos.Add(video);
            }
            if (order.Count == 0) throw new DataException($"{path}: the manifest has a header but no rows");
            var known = new[] { options.TrainSplit, options.ValSplit, options.TestSplit };
            foreach (var s in order)
                if (!known.Contains(s.Split))
                    throw new DataException($"{path}:{s.FirstLine}: split '{s.Split}' is none of {string.Join(", ", known)} (data.splits); {Suggestions.Hint(s.Split, known)}");
            return new ManifestData(
                order.Where(s => s.Split == options.TrainSplit).ToList(),
                order.Where(s => s.Split == options.ValSplit).ToList(),
                order.Where(s => s.Split == options.TestSplit).ToList());
        }

        private static bool SameLabel(double a, double b) => a.Equals(b) || (double.IsNaN(a) && double.IsNaN(b));

        private static double ParseLabel(HeadSpec head, string text, DataOptions options, string path, int line)
        {
            text = text.Trim();
            if (MissingTokens.Contains(text)) return double.NaN;
            if (options.LabelsMap.TryGetValue(head.Name, out var map))
            {
                if (map.TryGetValue(text, out var mapped)) return CheckClass(head, mapped, text, path, line);
                throw new DataException($"{path}:{line}: label '{text}' of head '{head.Name}' is not in labels_map.{head.Name} ({string.Join(", ", map.Keys)})");
            }
            if (head.Task == TaskKind.Binary && bool.TryParse(text, out var flag)) return flag ? 1 : 0;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                throw new DataException($"{path}:{line}: label '{text}' of head '{head.Name}' is not a number");
            if (head.Task == TaskKind.Regression) return value;
            if (value != Math.Floor(value)) throw new DataException($"{path}:{line}: label {text} of {head.Task.ToString().ToLowerInvariant()} head '{head.Name}' is not a class index");
            return CheckClass(head, (int)value, text, path, line);
        }

        private static double CheckClass(HeadSpec head, int value, string text, string path, int line)
        {
            int classes = head.Task == TaskKind.Binary ? 2 : head.Outputs;
            if (value < 0 || value >= classes)
                throw new DataException($"{path}:{line}: label {text} of head '{head.Name}' is outside its classes 0..{classes - 1}");
            return value;
        }
    }
}
