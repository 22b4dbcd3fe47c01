using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// Reads a manifest (one row per video) into studies grouped by the study column; labels are parsed per head
    /// by its task (regression: a number; binary: 0/1; multiclass: 0..K-1; or a name through labels_map). What the
    /// reading dropped (videos without a file, studies left without videos, missing labels per head, rows disagreeing
    /// on a label where the first wins) is counted in <see cref="ManifestData.Notes"/>, one line each.
    /// </summary>
    public static class Manifest
    {
        /// <summary>Cells that mean "no value": pandas' default NA strings, in any case.</summary>
        internal static readonly HashSet<string> MissingTokens = new(StringComparer.OrdinalIgnoreCase)
        {
            "", "nan", "-nan", "na", "n/a", "#n/a", "#n/a n/a", "#na", "<na>", "null", "none", "-1.#ind", "-1.#qnan", "1.#ind", "1.#qnan",
        };

        /// <summary>The view name a missing view cell reads as, as in DeepCORO_CLIP.</summary>
        public const string OtherView = "Other";

        public static ManifestData Read(DataOptions options, IReadOnlyList<HeadSpec> heads, int viewClasses = 0)
        {
            var path = options.Manifest;
            if (Directory.Exists(path)) throw new DataException($"{path}: is a folder; data.manifest names the CSV file with one row per video");
            if (!File.Exists(path)) throw new DataException($"{path}: manifest not found");
            using var reader = new StreamReader(path);
            var headerLine = reader.ReadLine() ?? throw new DataException($"{path}: the manifest is empty");
            var columns = new Columns(options, heads, DelimitedText.Split(headerLine, options.Separator), headerLine, path);
            var root = options.Root ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
            var tally = new Tally(heads);
            var studies = new Dictionary<string, Study>();
            var order = new List<Study>();
            var overrides = options.SplitFile is { } splitFile ? ReadSplitFile(splitFile) : null;
            var manifestSplit = new Dictionary<string, string>();
            var lineNo = 1;
            for (var line = reader.ReadLine(); line != null; line = reader.ReadLine())
            {
                lineNo++;
                if (line.Length == 0) continue;
                var f = DelimitedText.Split(line, options.Separator);
                if (f.Count != columns.Count)
                    throw new DataException($"{path}:{lineNo}: {f.Count} fields, the header has {columns.Count}");
                var raw = f[columns.File];
                if (raw.Length == 0) throw new DataException($"{path}:{lineNo}: empty {options.PathColumn} cell; every row names its video's file");
                var labels = heads.Select((h, i) =>
                    columns.Labels[i] < 0 || h.Task == TaskKind.Survival ? double.NaN : ParseLabel(h, f[columns.Labels[i]], options, path, lineNo)).ToArray();
                var events = SurvivalLabels(heads, columns, f, labels, options, path, lineNo);
                var id = options.MultiVideo ? f[columns.Study] : $"{raw}";
                if (id.Length == 0) throw new DataException($"{path}:{lineNo}: empty study id ({options.StudyColumn})");
                var split = f[columns.Split];
                var group = columns.Group < 0 ? null : f[columns.Group];
                if (group is { Length: 0 })
                    throw new DataException($"{path}:{lineNo}: empty {options.GroupColumn} cell (data.group_column); every row names its study's group");
                if (!studies.TryGetValue(id, out var study))
                {
                    var assigned = overrides is not null && overrides.TryGetValue(id, out var o) ? o.Split : split;
                    study = new Study { Id = id, Split = assigned, Videos = new List<VideoRef>(), Labels = labels, Events = events, FirstLine = lineNo, Group = group };
                    studies[id] = study;
                    manifestSplit[id] = split;
                    order.Add(study);
                }
                else
                {
                    if (manifestSplit[id] != split)
                        throw new DataException($"{path}:{lineNo}: study '{id}' is in split '{split}' here but '{manifestSplit[id]}' on line {study.FirstLine}");
                    if (study.Group != group)
                        throw new DataException($"{path}:{lineNo}: study '{id}' is in group '{group}' here but '{study.Group}' on line {study.FirstLine} ({options.GroupColumn}); a study belongs to one group");
                    MergeLabels(study, labels, events, heads, options, tally, path, lineNo);
                }
                var file = ResolveFile(raw, root, options, tally);
                if (file is null) continue;
                var video = new VideoRef(file, lineNo, ViewId(columns.View < 0 ? null : f[columns.View], options, viewClasses, path, lineNo), raw);
                if (options.Layout == FileLayout.Study && study.Videos.Count > 0 && study.Videos[0].Path != video.Path)
                    throw new DataException($"{path}:{lineNo}: study '{id}' names a second study file; with data.layout: study each study has one file");
                if (study.Videos.Any(v => v.Path == video.Path))
                {
                    if (options.Layout == FileLayout.Study) continue;
                    if (!options.FirstLabelWins)
                        throw new DataException($"{path}:{lineNo}: study '{id}' lists {raw} again (first on line {study.Videos.First(v => v.Path == video.Path).Line}); each video once");
                    tally.Duplicates++;
                    continue;
                }
                study.Videos.Add(video);
            }
            if (order.Count == 0) throw new DataException($"{path}: the manifest has a header but no rows");
            if (overrides is not null)
            {
                foreach (var (id, (_, line)) in overrides)
                {
                    if (!studies.ContainsKey(id))
                        throw new DataException($"{options.SplitFile}:{line}: study '{id}' is not in the manifest {path} (data.split_file names the manifest's studies)");
                }
            }

            var known = new[] { options.TrainSplit, options.ValSplit, options.TestSplit, options.InferenceSplit };
            foreach (var s in order)
            {
                if (!known.Contains(s.Split))
                    throw new DataException($"{path}:{s.FirstLine}: split '{s.Split}' is none of {string.Join(", ", known)} ({options.SplitColumn}, data.splits); {Suggestions.Hint(s.Split, known)}");
            }

            var kept = order.Where(s => s.Videos.Count > 0).ToList();
            tally.StudiesWithoutVideos = order.Count - kept.Count;
            foreach (var s in kept)
            {
                for (var h = 0; h < heads.Count; h++)
                    if (double.IsNaN(s.Labels[h])) tally.MissingLabels[h]++;
            }

            List<Study> Of(string split) => kept.Where(s => s.Split == split).ToList();
            return new ManifestData(Of(options.TrainSplit), Of(options.ValSplit), Of(options.TestSplit), Of(options.InferenceSplit), tally.Notes(path, options))
            {
                Warnings = GroupLeaks(kept, options, path),
            };
        }

        /// <summary>
        /// The split file's assignment: study id -> (split, line). Its header is <c>study_id,split</c>; a study listed
        /// twice is refused.
        /// </summary>
        private static Dictionary<string, (string Split, int Line)> ReadSplitFile(string path)
        {
            if (!File.Exists(path)) throw new DataException($"{path}: split file not found (data.split_file)");
            var lines = File.ReadAllLines(path);
            if (lines.Length == 0 || DelimitedText.Split(lines[0], ",") is not { Count: 2 } header || header[0] != "study_id" || header[1] != "split")
                throw new DataException($"{path}:1: expected the header study_id,split (data.split_file)");
            var map = new Dictionary<string, (string, int)>();
            for (var i = 1; i < lines.Length; i++)
            {
                if (lines[i].Length == 0) continue;
                var f = DelimitedText.Split(lines[i], ",");
                if (f.Count != 2) throw new DataException($"{path}:{i + 1}: {f.Count} fields, expected study_id,split");
                if (!map.TryAdd(f[0], (f[1], i + 1)))
                    throw new DataException($"{path}:{i + 1}: study '{f[0]}' is listed again (first on line {map[f[0]].Item2}); each study once");
            }
            return map;
        }

        /// <summary>One warning when a group's studies lie in more than one split,
        /// naming the first few groups.</summary>
        private static IReadOnlyList<string> GroupLeaks(IReadOnlyList<Study> kept, DataOptions options, string path)
        {
            if (options.GroupColumn is null) return Array.Empty<string>();
            var run = new[] { options.TrainSplit, options.ValSplit, options.TestSplit };
            var leaks = kept.Where(s => run.Contains(s.Split)).GroupBy(s => s.Group!)
                .Select(g => (Group: g.Key, Splits: g.Select(s => s.Split).Distinct().OrderBy(x => Array.IndexOf(run, x)).ToList()))
                .Where(g => g.Splits.Count > 1).ToList();
            if (leaks.Count == 0) return Array.Empty<string>();
            var named = string.Join("; ", leaks.Take(5).Select(g => $"{g.Group} ({string.Join(", ", g.Splits)})"));
            var more = leaks.Count > 5 ? $" and {leaks.Count - 5} more" : "";
            return new[]
            {
                $"{path}: {leaks.Count} group(s) of {options.GroupColumn} (data.group_column) have studies in more than one split: {named}{more}; "
                + "their studies are not independent, so the held-out metrics may be optimistic; keep each group in one split (cross-validation by group does)",
            };
        }

        /// <summary>The file a row's path names, or null when it is
        /// missing and missing files are dropped (counted).</summary>
        private static string? ResolveFile(string raw, string root, DataOptions options, Tally tally)
        {
            if (options.EmbeddingsDir is { } dir)
            {
                var found = EmbeddingPaths.Find(dir, raw, options.Root, options.EmbeddingsKeepFolders);
                if (found is null) tally.MissingFiles++;
                return found;
            }
            var file = Path.Combine(root, raw);
            if (options.SkipMissingFiles && !File.Exists(file))
            {
                tally.MissingFiles++;
                return null;
            }
            return file;
        }

        /// <summary>A later row of a study: a head it leaves empty keeps the study's label;
        /// a head the study lacks takes it.</summary>
        private static void MergeLabels(Study study, double[] labels, double[] events, IReadOnlyList<HeadSpec> heads, DataOptions options, Tally tally, string path, int line)
        {
            for (var i = 0; i < heads.Count; i++)
            {
                if (double.IsNaN(labels[i]) || (SameLabel(study.Labels[i], labels[i]) && SameLabel(study.Events[i], events[i]))) continue;
                if (double.IsNaN(study.Labels[i])) { study.Labels[i] = labels[i]; study.Events[i] = events[i]; }
                else if (options.FirstLabelWins)
                {
                    tally.Conflicts[i]++;
                }
                else
                {
                    throw new DataException($"{path}:{line}: study '{study.Id}' has label {heads[i].Name} = {labels[i]} here but {study.Labels[i]} on line {study.FirstLine}");
                }
            }
        }

        private static long ViewId(string? cell, DataOptions options, int viewClasses, string path, int line)
        {
            if (cell is null) return viewClasses;
            if (options.ViewLabelsMap is { } names)
            {
                // as DeepCORO_CLIP: a missing view reads as "Other", a view the map does not name as padding
                var name = MissingTokens.Contains(cell.Trim()) ? OtherView : cell.Trim();
                return names.TryGetValue(name, out var mapped) && mapped >= 0 && mapped < viewClasses ? mapped : viewClasses;
            }
            if (MissingTokens.Contains(cell)) return viewClasses;
            if (!long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || id < 0 || id >= viewClasses)
                throw new DataException($"{path}:{line}: view id '{cell}' ({options.ViewColumn}) is not an integer in [0, {viewClasses - 1}]; for view names give view_labels_map");
            return id;
        }

        /// <summary>
        /// Reads each survival head's time into <paramref name="labels"/> and returns the events (NaN for other
        /// heads). A missing time or event leaves both missing (that head's missing label); a negative or non-numeric
        /// time, or an event other than 0/1, is an error naming the row and column.
        /// </summary>
        private static double[] SurvivalLabels(IReadOnlyList<HeadSpec> heads, Columns columns, List<string> f, double[] labels, DataOptions options, string path, int line)
        {
            var events = new double[heads.Count];
            Array.Fill(events, double.NaN);
            for (var i = 0; i < heads.Count; i++)
            {
                if (heads[i].Task != TaskKind.Survival || columns.Labels[i] < 0 || columns.Events[i] < 0) continue;
                var pair = options.SurvivalColumns[heads[i].Name];
                string time = f[columns.Labels[i]].Trim(), happened = f[columns.Events[i]].Trim();
                if (MissingTokens.Contains(time) || MissingTokens.Contains(happened)) continue;
                if (!double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !double.IsFinite(t) || t < 0)
                    throw new DataException($"{path}:{line}: time '{time}' of survival head '{heads[i].Name}' (column {pair.Time}) is not a non-negative number");
                if (!double.TryParse(happened, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) || (e != 0 && e != 1))
                    throw new DataException($"{path}:{line}: event '{happened}' of survival head '{heads[i].Name}' (column {pair.Event}) is not 0 (censored) or 1 (event)");
                labels[i] = t;
                events[i] = e;
            }
            return events;
        }

        private static bool SameLabel(double a, double b) => a.Equals(b) || (double.IsNaN(a) && double.IsNaN(b));

        private static double ParseLabel(HeadSpec head, string text, DataOptions options, string path, int line)
        {
            text = text.Trim();
            if (MissingTokens.Contains(text)) return double.NaN;
            if (head.Task != TaskKind.Regression && options.LabelsMap.TryGetValue(head.Name, out var map))
            {
                if (map.TryGetValue(text, out var mapped)) return CheckClass(head, mapped, text, path, line);
                // a number the map names by its integer form, as pandas reads "1.0" in a float column
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number == Math.Floor(number)
                    && map.TryGetValue(((long)number).ToString(CultureInfo.InvariantCulture), out mapped))
                {
                    return CheckClass(head, mapped, text, path, line);
                }
                // any other number is a class id already, as DeepCORO_CLIP maps only text labels
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
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
            var classes = head.Task == TaskKind.Binary ? 2 : head.Outputs;
            if (value < 0 || value >= classes)
                throw new DataException($"{path}:{line}: label {text} of head '{head.Name}' is outside its classes 0..{classes - 1}");
            return value;
        }

        /// <summary>The columns a manifest's header must have, by index (-1 when absent and allowed to be).</summary>
        private sealed class Columns
        {
            public readonly int Count, Study, Split, File, View, Group;
            public readonly int[] Labels;
            /// <summary>Per head, a survival head's event column (-1 for other heads).</summary>
            public readonly int[] Events;

            public Columns(DataOptions options, IReadOnlyList<HeadSpec> heads, List<string> header, string headerLine, string path)
            {
                Count = header.Count;
                int Column(string name, string key, bool required = true)
                {
                    var i = header.IndexOf(name);
                    if (i >= 0 || !required) return i;
                    var hint = header.Count == 1 && options.Separator != "," && headerLine.Contains(',')
                        ? $"the header has one column: is the separator '{options.Separator}' right (data.separator)?"
                        : Suggestions.Hint(name, header);
                    throw new DataException($"{path}: column '{name}' ({key}) not found in the header; {hint}");
                }
                Study = options.MultiVideo ? Column(options.StudyColumn, "data.study_column, groupby_column") : -1;
                Split = Column(options.SplitColumn, "data.split_column");
                File = Column(options.PathColumn, "data.path_column, datapoint_loc_label");
                View = options.ViewColumn is { } vc ? Column(vc, "data.view_column") : -1;
                Group = options.GroupColumn is { } gc ? Column(gc, "data.group_column") : -1;
                foreach (var key in options.LabelColumns.Keys.Concat(options.LabelsMap.Keys))
                {
                    if (!heads.Any(h => h.Name == key))
                        throw new DataException($"data: '{key}' is not a head of the model; {Suggestions.Hint(key, heads.Select(h => h.Name))}");
                }

                foreach (var key in options.SurvivalColumns.Keys)
                {
                    if (!heads.Any(h => h.Name == key && h.Task == TaskKind.Survival))
                        throw new DataException($"data.survival_columns: '{key}' is not a survival head of the model; {Suggestions.Hint(key, heads.Where(h => h.Task == TaskKind.Survival).Select(h => h.Name))}");
                }

                foreach (var h in heads)
                {
                    if (h.Task == TaskKind.Survival && options.LabelsRequired && !options.SurvivalColumns.ContainsKey(h.Name))
                        throw new DataException($"data: survival head '{h.Name}' has no columns; give data.survival_columns: {{{h.Name}: [TIME_COLUMN, EVENT_COLUMN]}}");
                }

                SurvivalColumns? Pair(HeadSpec h) => h.Task == TaskKind.Survival && options.SurvivalColumns.TryGetValue(h.Name, out var p) ? p : null;
                Labels = heads.Select(h => h.Task == TaskKind.Survival
                    ? (Pair(h) is { } p ? Column(p.Time, $"time of survival head '{h.Name}', data.survival_columns", options.LabelsRequired) : -1)
                    : Column(options.LabelColumns.TryGetValue(h.Name, out var c) ? c : h.Name, $"label of head '{h.Name}'", options.LabelsRequired)).ToArray();
                Events = heads.Select(h => Pair(h) is { } p ? Column(p.Event, $"event of survival head '{h.Name}', data.survival_columns", options.LabelsRequired) : -1).ToArray();
            }
        }

        /// <summary>What reading dropped or left unlabelled, summed up in one note per kind.</summary>
        private sealed class Tally
        {
            private readonly IReadOnlyList<HeadSpec> heads;
            public int MissingFiles, StudiesWithoutVideos, Duplicates;
            public readonly int[] MissingLabels, Conflicts;

            public Tally(IReadOnlyList<HeadSpec> heads)
            {
                this.heads = heads;
                MissingLabels = new int[heads.Count];
                Conflicts = new int[heads.Count];
            }

            public IReadOnlyList<string> Notes(string path, DataOptions options)
            {
                var notes = new List<string>();
                string What() => options.EmbeddingsDir is { } dir ? $"without an embedding in {dir}" : "whose file does not exist";
                if (MissingFiles > 0) notes.Add($"{path}: {MissingFiles} video(s) {What()} were dropped from their studies");
                if (Duplicates > 0) notes.Add($"{path}: {Duplicates} row(s) repeating a video of their study were dropped");
                if (StudiesWithoutVideos > 0) notes.Add($"{path}: {StudiesWithoutVideos} stud(ies) left without any video were skipped");
                string PerHead(int[] counts) => string.Join(", ", heads.Select((h, i) => (h.Name, Count: counts[i])).Where(x => x.Count > 0).Select(x => $"{x.Name} {x.Count}"));
                if (MissingLabels.Any(c => c > 0)) notes.Add($"{path}: studies without a label, left out of that head's loss and metrics: {PerHead(MissingLabels)}");
                if (Conflicts.Any(c => c > 0)) notes.Add($"{path}: rows disagreeing with their study's first label (the first counts, as in DeepCORO_CLIP): {PerHead(Conflicts)}");
                return notes;
            }
        }
    }
}
