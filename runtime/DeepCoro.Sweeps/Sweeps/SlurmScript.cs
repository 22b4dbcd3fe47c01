using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// An sbatch job array whose tasks are sweep agents: each runs <c>deepcoro sweep agent DIR</c>, which pulls trials
    /// from the shared sweep directory until none is left (or its count is reached). Every search method works so,
    /// bayes included: each agent's next trial is proposed, under the sweep lock, from the results recorded so far.
    /// </summary>
    public static class SlurmScript
    {
        public static string Write(SweepStore store, IReadOnlyList<string> deepcoro, SlurmOptions o)
        {
            if (o.Agents < 1) throw new DeepCoroUserException($"agents {o.Agents}: at least one is needed", Remedy.MoreAgents);
            Directory.CreateDirectory(store.LogsDir);
            var sb = SlurmText.Header(o, $"0-{o.Agents - 1}", Path.Combine(store.LogsDir, "agent-%A_%a.out"));
            sb.Append("# Written by `deepcoro sweep --emit-slurm`: every task is a sweep agent pulling trials from the directory below.\n");
            sb.Append("# Submit again for more agents; follow with `deepcoro sweep status DIR` from any node.\n");
            sb.Append("set -euo pipefail\n");
            var count = o.Count is int n ? $" --count {n}" : "";
            sb.Append($"exec {string.Join(" ", deepcoro.Select(SlurmText.Quote))} sweep agent {SlurmText.Quote(store.Dir)}{count}\n");
            var path = Path.Combine(store.Dir, "sweep.sbatch");
            AtomicFile.WriteText(path, sb.ToString());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
            return path;
        }
    }
}
