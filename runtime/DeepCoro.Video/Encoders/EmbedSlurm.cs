using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// `embed --emit-slurm`: an sbatch array of n tasks, task i running the embed command with --shard i/n --resume
    /// (so a requeued task continues), then one task after them all (afterany) running it without --shard, which
    /// checks every file, retries the failed videos once more, and writes the whole manifest and failure report.
    /// </summary>
    public static class EmbedSlurm
    {
        public static (string Array, string Finish, string Submit) Write(string dir, int shards, IReadOnlyList<string> command, SlurmOptions o)
        {
            dir = Path.GetFullPath(dir);
            Directory.CreateDirectory(dir);
            var logs = Path.Combine(dir, "logs");
            Directory.CreateDirectory(logs);
            var line = string.Join(" ", command.Select(SlurmText.Quote));
            string Script(string name, string? array, string run)
            {
                var sb = SlurmText.Header(o, array, Path.Combine(logs, array != null ? "embed-%A_%a.out" : "embed-manifest-%j.out"));
                sb.Append("# Written by `deepcoro embed --emit-slurm`.\n");
                sb.Append("set -euo pipefail\n");
                sb.Append($"exec {line} {run}\n");
                var path = Path.Combine(dir, name);
                AtomicFile.WriteText(path, sb.ToString());
                MakeExecutable(path);
                return path;
            }
            var arrayScript = Script("embed.sbatch", SlurmText.Ranges(Enumerable.Range(0, shards).ToList()), $"--shard \"$SLURM_ARRAY_TASK_ID/{shards}\" --resume");
            var finish = Script("embed-manifest.sbatch", null, "--resume");
            var submit = Path.Combine(dir, "submit.sh");
            AtomicFile.WriteText(submit, "#!/bin/bash\n# Submits the shards, then the manifest task after them all.\nset -euo pipefail\n" +
                $"array=$(sbatch --parsable {SlurmText.Quote(arrayScript)})\nsbatch --dependency=afterany:\"${{array%%;*}}\" {SlurmText.Quote(finish)}\n");
            MakeExecutable(submit);
            return (arrayScript, finish, submit);
        }

        private static void MakeExecutable(string path)
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        }
    }
}
