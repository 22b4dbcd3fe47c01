using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// An sbatch job array with one task per fold (task i = repeat x K + fold): each runs the cv command with
    /// <c>--task $SLURM_ARRAY_TASK_ID</c>, which trains (or resumes) that fold only. The same cv command without
    /// <c>--task</c>, once every task has ended, gathers the folds.
    /// </summary>
    public static class FoldArrayScript
    {
        public static string Write(CrossValidationDirectory dir, IReadOnlyList<string> cvCommand, SlurmOptions o)
        {
            Directory.CreateDirectory(dir.Logs);
            var sb = new StringBuilder("#!/bin/bash\n");
            sb.Append($"#SBATCH --job-name={o.JobName}\n");
            sb.Append($"#SBATCH --array=0-{o.Agents - 1}{(o.Parallel is int p ? "%" + p : "")}\n");
            if (o.Partition != null) sb.Append($"#SBATCH --partition={o.Partition}\n");
            if (o.Time != null) sb.Append($"#SBATCH --time={o.Time}\n");
            if (o.Cpus is int c) sb.Append($"#SBATCH --cpus-per-task={c}\n");
            if (o.Mem != null) sb.Append($"#SBATCH --mem={o.Mem}\n");
            if (o.Gpus is int g && g > 0) sb.Append($"#SBATCH --gres=gpu:{g}\n");
            sb.Append($"#SBATCH --output={Path.Combine(dir.Logs, "task-%a.out")}\n");
            sb.Append("# Written by `deepcoro cv --emit-slurm`: task i trains fold i mod K of repeat i div K (a finished fold is skipped, an\n");
            sb.Append("# interrupted one resumes). When every task has ended, run the same command without --emit-slurm to gather the folds.\n");
            sb.Append("set -euo pipefail\n");
            sb.Append($"exec {string.Join(" ", cvCommand.Select(SlurmText.Quote))} --task \"$SLURM_ARRAY_TASK_ID\"\n");
            var path = Path.Combine(dir.Path, "cv.sbatch");
            AtomicFile.WriteText(path, sb.ToString());
            if (!System.OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
            return path;
        }
    }
}
