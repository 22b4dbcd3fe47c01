using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Report
{
    /// <summary>The display names of a classification head's classes:
    /// from labels_map where it names them, else the indices.</summary>
    public static class ClassNames
    {
        public static string[] For(HeadSpec head, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> labelsMap)
        {
            var classes = head.Task == TaskKind.Multiclass ? head.Outputs : 2;
            var names = Enumerable.Range(0, classes).Select(i => i.ToString()).ToArray();
            if (labelsMap.TryGetValue(head.Name, out var map))
            {
                foreach (var (text, index) in map)
                    if (index >= 0 && index < classes) names[index] = text;
            }

            return names;
        }
    }
}
