using System;
using System.Collections.Generic;

namespace DeepCoro.Spec
{
    /// <summary>"Did you mean" for misspelt keys: the known word at the smallest edit distance.</summary>
    public static class Suggestions
    {
        public static string? Closest(string word, IEnumerable<string> known)
        {
            string? best = null;
            var bestDistance = int.MaxValue;
            foreach (var k in known)
            {
                var d = Distance(word.ToLowerInvariant(), k.ToLowerInvariant());
                if (d < bestDistance) { best = k; bestDistance = d; }
            }
            return best != null && bestDistance <= Math.Max(2, word.Length / 2) ? best : null;
        }

        /// <summary>The <paramref name="count"/> known words nearest to
        /// <paramref name="word"/>, nearest first (ties in order).</summary>
        public static IReadOnlyList<string> Nearest(string word, IEnumerable<string> known, int count)
        {
            var ranked = new List<(int Distance, int Index, string Word)>();
            var index = 0;
            foreach (var k in known) ranked.Add((Distance(word.ToLowerInvariant(), k.ToLowerInvariant()), index++, k));
            ranked.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Index.CompareTo(b.Index));
            var nearest = new List<string>();
            for (var i = 0; i < ranked.Count && i < count; i++) nearest.Add(ranked[i].Word);
            return nearest;
        }

        public static string Hint(string word, IEnumerable<string> known)
        {
            var closest = Closest(word, known);
            return closest == null ? $"known: {string.Join(", ", known)}" : $"did you mean '{closest}'?";
        }

        private static int Distance(string a, string b)
        {
            var row = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++) row[j] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                var diag = row[0];
                row[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var up = row[j];
                    row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] == b[j - 1] ? 0 : 1));
                    diag = up;
                }
            }
            return row[b.Length];
        }
    }
}
