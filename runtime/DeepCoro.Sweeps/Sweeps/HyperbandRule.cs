using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>The decision at a rung, separate from the agent so that scripted curves can test it.</summary>
    public static class HyperbandRule
    {
        /// <summary>
        /// Null when <paramref name="trial"/> goes on past rung <paramref name="rung"/>;
        /// else why it stops: its best metric up to the rung is not among the top ceil(n / eta)
        /// of the n trials (itself included) that reached the rung.
        /// </summary>
        public static string? Judge(Hyperband hb, SweepMetric metric, int rung, TrialRecord trial, IEnumerable<TrialRecord> all)
        {
            var mine = trial.BestUpTo(rung, metric);
            if (mine is null) return null;
            var values = all.Where(t => t.Index != trial.Index).Select(t => t.BestUpTo(rung, metric))
                            .Where(v => v is not null).Select(v => v!.Value).Append(mine.Value).ToList();
            var n = values.Count;
            var keep = (int)Math.Ceiling(n / hb.Eta);
            var rank = 1 + values.Count(v => metric.Better(v, mine.Value));
            if (rank <= keep) return null;
            return string.Format(CultureInfo.InvariantCulture,
                "hyperband: at epoch {0} its best {1} = {2:G6} ranks {3} of {4}; only the top {5} go on", rung, metric.Name, mine.Value, rank, n, keep);
        }
    }
}
