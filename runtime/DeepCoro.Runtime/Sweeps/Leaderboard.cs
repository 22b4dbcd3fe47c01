using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Ranks trials by their final metric and writes the best trial's config as a ready-to-train file.</summary>
    public static class Leaderboard
    {
        /// <summary>Trials with a metric, best first (finished before stopped on a tie); then the rest by index.</summary>
        public static IReadOnlyList<TrialRecord> Rank(IEnumerable<TrialRecord> trials, SweepMetric metric)
        {
            var list = trials.ToList();
            var scored = list.Where(t => t.Final is not null && t.Status is TrialStatus.Finished or TrialStatus.Stopped)
                             .OrderBy(t => metric.AsLoss(t.Final!.Value))
                             .ThenBy(t => t.Status == TrialStatus.Finished ? 0 : 1)
                             .ThenBy(t => t.Index).ToList();
            return scored.Concat(list.Except(scored).OrderBy(t => t.Index)).ToList();
        }

        /// <summary>The best finished or stopped trial; never a failed one, whatever metric it logged before failing.</summary>
        public static TrialRecord? Best(IEnumerable<TrialRecord> trials, SweepMetric metric) =>
            Rank(trials, metric).FirstOrDefault(t => t.Final is not null && t.Status is TrialStatus.Finished or TrialStatus.Stopped);

        /// <summary>Copies the best trial's config to <c>best_config.yaml</c>; returns its path, or null when no trial has a metric.</summary>
        public static string? WriteBestConfig(SweepStore store, IEnumerable<TrialRecord> trials, SweepMetric metric)
        {
            var best = Best(trials, metric);
            if (best is null) return null;
            var text = File.ReadAllText(store.ConfigPath(best.Index));
            var header = $"# best trial of the sweep in {store.Dir}: trial {best.Index}, {metric.Name} = {SweepValues.Format(best.Final)} (epoch {best.BestEpoch})\n" +
                         $"# train it: deepcoro train --config {store.BestConfigPath} --output <RUN>\n";
            AtomicFile.WriteText(store.BestConfigPath, header + string.Join("\n", text.Split('\n').SkipWhile(l => l.StartsWith("#"))));
            return store.BestConfigPath;
        }
    }
}
