using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// Named manifest columns kept per study (subgroup columns: sex, age, site), read beside <see cref="Manifest"/>
    /// with its study key (the study column, or the path column when each video is a study). A study's value is the
    /// first non-missing cell among its rows; empty when all are missing.
    /// </summary>
    public static class StudyColumns
    {
        /// <summary>Per study id, the cells of <paramref name="columns"/> in their order.</summary>
        public static IReadOnlyDictionary<string, string[]> Read(DataOptions options, IReadOnlyList<string> columns, string flag)
        {
            var path = options.Manifest;
            if (!File.Exists(path)) throw new DataException($"{path}: manifest not found");
            using var reader = new StreamReader(path);
            var header = DelimitedText.Split(reader.ReadLine() ?? "", options.Separator);
            int Index(string name, string role)
            {
                var i = header.IndexOf(name);
                if (i >= 0) return i;
                var closest = Suggestions.Closest(name, header);
                throw new DataException(
                    $"{path}: no column '{name}' ({role}); its columns: {string.Join(", ", header)}{(closest is null ? "" : $"; did you mean '{closest}'?")}");
            }
            var wanted = columns.Select(c => Index(c, flag)).ToArray();
            var key = options.MultiVideo ? Index(options.StudyColumn, "data.study_column") : Index(options.PathColumn, "data.path_column");
            var values = new Dictionary<string, string[]>();
            var line = 1;
            for (var text = reader.ReadLine(); text != null; text = reader.ReadLine())
            {
                line++;
                if (text.Length == 0) continue;
                var f = DelimitedText.Split(text, options.Separator);
                if (f.Count != header.Count) throw new DataException($"{path}:{line}: {f.Count} fields, the header has {header.Count}");
                if (!values.TryGetValue(f[key], out var cells)) values[f[key]] = cells = new string[wanted.Length];
                for (var c = 0; c < wanted.Length; c++)
                {
                    var cell = f[wanted[c]].Trim();
                    if (cells[c] is null && !Manifest.MissingTokens.Contains(cell)) cells[c] = cell;
                }
            }
            foreach (var cells in values.Values)
                for (var c = 0; c < cells.Length; c++) cells[c] ??= "";
            return values;
        }
    }
}
