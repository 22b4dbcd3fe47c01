using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.IO
{
    /// <summary>The shell and Slurm text every written job script shares (sweep agents, cross-validation folds,
    /// embedding shards), kept below the layers that write them so that none depends on another for it.</summary>
    public static class SlurmText
    {
        /// <summary>Slurm's array syntax: 0-3,5,7-9.</summary>
        public static string Ranges(IReadOnlyList<int> sorted)
        {
            var parts = new List<string>();
            for (var i = 0; i < sorted.Count;)
            {
                var j = i;
                while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
                parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
                i = j + 1;
            }
            return string.Join(",", parts);
        }

        public static string Quote(string s) =>
            s.All(ch => char.IsLetterOrDigit(ch) || "/._-+=:".Contains(ch)) ? s : "'" + s.Replace("'", "'\\''") + "'";
    }
}
