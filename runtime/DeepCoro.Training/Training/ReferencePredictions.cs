using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// DeepCORO_CLIP's prediction file (its linear-probing runner's <c>_save_predictions</c>),
    /// column for column, so that scripts reading its files read these: <c>epoch</c>,
    /// <c>video_name</c> (the study's video paths as a Python list, padded with 'PAD' to num_videos;
    /// the path itself for one video per study), then per head <c>h_pred</c> and
    /// <c>h_true</c> (regression value or P(positive)), or
    /// <c>h_prob_&lt;label&gt;</c> per class with <c>h_pred_class</c> and
    /// <c>h_true_class</c> (class names from labels_map). Labels a study lacks,
    /// and every label in inference, are empty.
    /// </summary>
    public static class ReferencePredictions
    {
        /// <summary>The file name the reference gives:
        /// <c>{mode}_predictions_epoch_{epoch}.csv</c> (epoch -1 outside training).</summary>
        public static string FileName(string mode, int epoch) => $"{mode}_predictions_epoch_{epoch}.csv";

        public static void Write(string path, SplitResults results, IReadOnlyList<HeadSpec> heads,
            IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> labelsMap, int epoch, int numVideos, bool multiVideo, bool withTruth)
        {
            var header = new List<string> { "epoch", "video_name" };
            foreach (var head in heads)
            {
                if (head.Task != TaskKind.Multiclass)
                {
                    header.AddRange(new[] { head.Name + "_pred", head.Name + "_true" });
                }
                else
                {
                    header.AddRange(ClassNames(head, labelsMap).Select(c => $"{head.Name}_prob_{c}"));
                    header.AddRange(new[] { head.Name + "_pred_class", head.Name + "_true_class" });
                }
            }
            var sb = new StringBuilder(string.Join(",", header)).Append('\n');
            foreach (var (study, videos, scores) in results.Rows)
            {
                var cells = new List<string> { epoch.ToString(CultureInfo.InvariantCulture), VideoName(study, videos, numVideos, multiVideo) };
                for (var h = 0; h < heads.Count; h++)
                {
                    var label = study.Labels[h];
                    var truth = withTruth && !double.IsNaN(label) ? Number(label, heads[h].Task != TaskKind.Regression) : "";
                    if (heads[h].Task != TaskKind.Multiclass)
                    {
                        cells.AddRange(new[] { Number(scores[h][0], false), truth });
                    }
                    else
                    {
                        cells.AddRange(scores[h].Select(p => Number(p, false)));
                        var predicted = System.Array.IndexOf(scores[h], scores[h].Max());
                        cells.AddRange(new[] { predicted.ToString(CultureInfo.InvariantCulture), truth });
                    }
                }
                sb.Append(string.Join(",", cells.Select(Quote))).Append('\n');
            }
            AtomicFile.WriteText(path, sb.ToString());
        }

        /// <summary>A multiclass head's class names: labels_map's
        /// names by class id where it has one, else the ids.</summary>
        public static IReadOnlyList<string> ClassNames(HeadSpec head, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> labelsMap)
        {
            var names = Enumerable.Range(0, head.Outputs).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
            if (labelsMap.TryGetValue(head.Name, out var map))
            {
                foreach (var (name, id) in map)
                    if (id >= 0 && id < names.Length) names[id] = name;
            }

            return names;
        }

        /// <summary>The study's videos used, as the reference lists them: a Python list padded with 'PAD'.</summary>
        private static string VideoName(Study study, int videos, int numVideos, bool multiVideo)
        {
            var used = study.Videos.Take(videos).Select(v => v.Name).ToList();
            if (!multiVideo) return used.FirstOrDefault() ?? "";
            used.AddRange(Enumerable.Repeat("PAD", System.Math.Max(0, numVideos - used.Count)));
            return "[" + string.Join(", ", used.Select(PythonString)) + "]";
        }

        private static string PythonString(string s) => s.Contains('\'') && !s.Contains('"') ? $"\"{s}\"" : $"'{s.Replace("\\", "\\\\").Replace("'", "\\'")}'";

        private static string Number(double v, bool integer) =>
            double.IsNaN(v) ? "" : integer ? ((long)v).ToString(CultureInfo.InvariantCulture) : v.ToString("R", CultureInfo.InvariantCulture);

        private static string Quote(string s) => s.IndexOfAny(new[] { ',', '"', '\n' }) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }
}
