using System.Collections.Generic;
using System.IO;
using System.Linq;
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
            var sb = SlurmText.Header(o, $"0-{o.Agents - 1}", Path.Combine(dir.Logs, "task-%a.out"));
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
