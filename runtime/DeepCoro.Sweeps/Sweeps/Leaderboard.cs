using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Ranks trials by their final metric; writes the best trial's config and the ranking as CSV.</summary>
    public static class Leaderboard
    {
        /// <summary>Trials with a result, best first (finished before stopped on a tie);
        /// then the rest by index.</summary>
        public static IReadOnlyList<TrialRecord> Rank(IEnumerable<TrialRecord> trials, SweepMetric metric)
        {
            var list = trials.ToList();
            var scored = list.Where(t => t.HasResult)
                             .OrderBy(t => metric.AsLoss(t.Final!.Value))
                             .ThenBy(t => t.Status == TrialStatus.Finished ? 0 : 1)
                             .ThenBy(t => t.Index).ToList();
            return scored.Concat(list.Except(scored).OrderBy(t => t.Index)).ToList();
        }

        /// <summary>The best finished or stopped trial; never a failed one,
        /// whatever metric it logged before failing.</summary>
        public static TrialRecord? Best(IEnumerable<TrialRecord> trials, SweepMetric metric) => Rank(trials, metric).FirstOrDefault(t => t.HasResult);

        /// <summary>
        /// Copies the best trial's config to <c>best_config.yaml</c>: the base config with the best values, in the
        /// base's own layout. Returns its path, or null when no trial has a result.
        /// </summary>
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

        /// <summary>Every trial as one CSV row, ranked: rank, trial, status,
        /// metric, best epoch, attempts, each parameter, reason.</summary>
        public static string WriteCsv(SweepStore store, IEnumerable<TrialRecord> trials, SweepDefinition sweep)
        {
            var ranked = Rank(trials, sweep.Metric);
            var sb = new StringBuilder();
            var columns = new[] { "rank", "trial", "status", sweep.Metric.Name, "best_epoch", "attempts" }
                          .Concat(sweep.Parameters.Select(p => p.Name)).Append("reason");
            sb.Append(string.Join(",", columns.Select(Cell))).Append('\n');
            var rank = 0;
            foreach (var t in ranked)
            {
                var cells = new List<string>
                {
                    t.HasResult ? (++rank).ToString(CultureInfo.InvariantCulture) : "",
                    TrialRecord.Name(t.Index),
                    t.Status.ToString().ToLowerInvariant(),
                    t.Final is double f ? f.ToString("R", CultureInfo.InvariantCulture) : "",
                    t.BestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "",
                    t.Attempts.ToString(CultureInfo.InvariantCulture),
                };
                cells.AddRange(sweep.Parameters.Select(p => t.Params[p.Name] is var v && t.Params.ContainsKey(p.Name) ? SweepValues.Format(v) : ""));
                cells.Add(t.Reason ?? "");
                sb.Append(string.Join(",", cells.Select(Cell))).Append('\n');
            }
            AtomicFile.WriteText(store.LeaderboardPath, sb.ToString());
            return store.LeaderboardPath;
        }

        private static string Cell(string s) => s.IndexOfAny(new[] { ',', '"', '\n' }) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
    }
}
