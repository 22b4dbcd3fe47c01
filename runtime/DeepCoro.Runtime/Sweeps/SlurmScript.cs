using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Resources of each array task; null leaves the cluster's default.</summary>
    public sealed record SlurmOptions(string? Partition = null, string? Time = null, int? Cpus = null, string? Mem = null,
                                      int? Gpus = null, int? Parallel = null, string JobName = "deepcoro-sweep");

    /// <summary>
    /// An sbatch job array with one task per runnable trial; each task runs <c>deepcoro sweep trial DIR --index
    /// $SLURM_ARRAY_TASK_ID</c>, which trains that trial and writes its record into the shared sweep directory.
    /// </summary>
    public static class SlurmScript
    {
        public static string Write(SweepStore store, IEnumerable<int> indices, IReadOnlyList<string> deepcoro, SlurmOptions o)
        {
            var list = indices.OrderBy(i => i).ToList();
            if (list.Count == 0) throw new ArgumentException("no trial to run: every trial is invalid or already final");
            var logs = Path.Combine(store.Dir, "logs");
            Directory.CreateDirectory(logs);
            var sb = new StringBuilder();
            sb.Append("#!/bin/bash\n");
            sb.Append($"#SBATCH --job-name={o.JobName}\n");
            sb.Append($"#SBATCH --array={Ranges(list)}{(o.Parallel is int p ? "%" + p : "")}\n");
            if (o.Partition != null) sb.Append($"#SBATCH --partition={o.Partition}\n");
            if (o.Time != null) sb.Append($"#SBATCH --time={o.Time}\n");
            if (o.Cpus is int c) sb.Append($"#SBATCH --cpus-per-task={c}\n");
            if (o.Mem != null) sb.Append($"#SBATCH --mem={o.Mem}\n");
            if (o.Gpus is int g && g > 0) sb.Append($"#SBATCH --gres=gpu:{g}\n");
            sb.Append($"#SBATCH --output={Path.Combine(logs, "slurm-%A_%a.out")}\n");
            sb.Append("# Written by `deepcoro sweep --emit-slurm`; gather results with `deepcoro sweep status` on the same directory.\n");
            sb.Append("set -euo pipefail\n");
            sb.Append($"exec {string.Join(" ", deepcoro.Select(Quote))} sweep trial {Quote(store.Dir)} --index \"$SLURM_ARRAY_TASK_ID\"\n");
            var path = Path.Combine(store.Dir, "sweep.sbatch");
            AtomicFile.WriteText(path, sb.ToString());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
            return path;
        }

        /// <summary>Slurm's array syntax: 0-3,5,7-9.</summary>
        public static string Ranges(IReadOnlyList<int> sorted)
        {
            var parts = new List<string>();
            for (int i = 0; i < sorted.Count;)
            {
                int j = i;
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
