using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Video
{
    /// <summary>The videos of a reference CSV or of a list of files, each once, in the order first named.</summary>
    public static class VideoList
    {
        /// <summary>The reference's separator: its CSVs are read by pandas with sep="α".</summary>
        public const string ReferenceSeparator = "α";

        /// <summary>
        /// The videos named in <paramref name="column"/> of a CSV (the reference's datapoint_loc_label), relative
        /// paths resolved against <paramref name="root"/> or else the CSV's folder; with <paramref name="split"/>,
        /// only rows whose Split column holds it.
        /// </summary>
        public static IReadOnlyList<VideoItem> FromCsv(string csv, string column, string separator = ReferenceSeparator,
            string? root = null, string? split = null)
        {
            if (!File.Exists(csv)) throw new DataException($"{csv}: CSV not found");
            using var reader = new StreamReader(csv);
            var headerLine = reader.ReadLine() ?? throw new DataException($"{csv}: the CSV is empty");
            var header = DelimitedText.Split(headerLine, separator);
            int Column(string name)
            {
                var i = header.IndexOf(name);
                if (i >= 0) return i;
                var hint = header.Count == 1 ? $"the header has one column: is the separator '{separator}' right?" : Suggestions.Hint(name, header);
                throw new DataException($"{csv}: column '{name}' not found in the header; {hint}");
            }
            int path = Column(column), splitColumn = split is null ? -1 : Column("Split");
            var folder = root ?? Path.GetDirectoryName(Path.GetFullPath(csv))!;
            var items = new List<VideoItem>();
            var seen = new HashSet<string>();
            var line = 1;
            for (var text = reader.ReadLine(); text != null; text = reader.ReadLine())
            {
                line++;
                if (text.Length == 0) continue;
                var fields = DelimitedText.Split(text, separator);
                if (fields.Count != header.Count) throw new DataException($"{csv}:{line}: {fields.Count} fields, the header has {header.Count}");
                if (splitColumn >= 0 && !string.Equals(fields[splitColumn].Trim(), split, StringComparison.OrdinalIgnoreCase)) continue;
                var value = fields[path].Trim();
                if (value.Length == 0) throw new DataException($"{csv}:{line}: empty video path ({column})");
                var full = Path.GetFullPath(Path.Combine(folder, value));
                if (seen.Add(full)) items.Add(new VideoItem(full, $"{csv}:{line}"));
            }
            return items;
        }

        public static IReadOnlyList<VideoItem> FromFiles(IEnumerable<string> files)
        {
            var seen = new HashSet<string>();
            return files.Select((f, i) => new VideoItem(Path.GetFullPath(f), $"argument {i + 1}")).Where(v => seen.Add(v.Path)).ToList();
        }
    }
}
