using System.Collections.Generic;
using System.Linq;
using System.Text;

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

        /// <summary>A job script's first lines: the shebang and the #SBATCH options the user gave, an array of tasks
        /// when <paramref name="array"/> is given (at most <see cref="SlurmOptions.Parallel"/> at once), its log file
        /// pattern last.</summary>
        public static StringBuilder Header(SlurmOptions o, string? array, string output)
        {
            var sb = new StringBuilder("#!/bin/bash\n");
            sb.Append($"#SBATCH --job-name={o.JobName}\n");
            if (array != null) sb.Append($"#SBATCH --array={array}{(o.Parallel is int p ? "%" + p : "")}\n");
            if (o.Partition != null) sb.Append($"#SBATCH --partition={o.Partition}\n");
            if (o.Time != null) sb.Append($"#SBATCH --time={o.Time}\n");
            if (o.Cpus is int c) sb.Append($"#SBATCH --cpus-per-task={c}\n");
            if (o.Mem != null) sb.Append($"#SBATCH --mem={o.Mem}\n");
            if (o.Gpus is int g && g > 0) sb.Append($"#SBATCH --gres=gpu:{g}\n");
            sb.Append($"#SBATCH --output={output}\n");
            return sb;
        }

        public static string Quote(string s) =>
            s.All(ch => char.IsLetterOrDigit(ch) || "/._-+=:".Contains(ch)) ? s : "'" + s.Replace("'", "'\\''") + "'";
    }
}
