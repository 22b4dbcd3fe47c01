using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// folds.csv (<c>study_id,group,fold,repeat</c>), the assignment every fold's run is made from, and each run's
    /// split file (<c>study_id,split</c>: the other folds train, the held-out fold validates; test studies are not
    /// listed, so they keep the manifest's split).
    /// </summary>
    public static class FoldsFile
    {
        public const string Header = "study_id,group,fold,repeat";

        public static void Write(string path, IEnumerable<FoldRow> rows)
        {
            var sb = new StringBuilder(Header).Append('\n');
            foreach (var r in rows)
            {
                sb.Append(Quote(r.StudyId)).Append(',').Append(Quote(r.Group)).Append(',')
                    .Append(r.Fold.ToString(CultureInfo.InvariantCulture)).Append(',').Append(r.Repeat.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            AtomicFile.WriteText(path, sb.ToString());
        }

        public static IReadOnlyList<FoldRow> Read(string path)
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length == 0 || lines[0] != Header)
                throw new CrossValidationException($"{path}:1: expected the header {Header}; remove the file (and the fold runs made from it) to assign folds anew");
            var rows = new List<FoldRow>();
            for (var i = 1; i < lines.Length; i++)
            {
                if (lines[i].Length == 0) continue;
                var f = DelimitedText.Split(lines[i], ",");
                if (f.Count != 4 || !int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var fold)
                    || !int.TryParse(f[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var repeat))
                {
                    throw new CrossValidationException($"{path}:{i + 1}: expected study_id,group,fold,repeat with integer fold and repeat");
                }

                rows.Add(new FoldRow(f[0], f[1], fold, repeat));
            }
            return rows;
        }

        /// <summary>Writes the split file of fold <paramref name="fold"/> of <paramref name="repeat"/> in the
        /// manifest's split names.</summary>
        public static void WriteSplitFile(string path, IEnumerable<FoldRow> rows, int fold, int repeat, string trainSplit, string valSplit)
        {
            var sb = new StringBuilder("study_id,split\n");
            foreach (var r in rows.Where(r => r.Repeat == repeat))
                sb.Append(Quote(r.StudyId)).Append(',').Append(Quote(r.Fold == fold ? valSplit : trainSplit)).Append('\n');
            AtomicFile.WriteText(path, sb.ToString());
        }

        internal static string Quote(string s) => s.IndexOfAny(new[] { ',', '"', '\n' }) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }
}
