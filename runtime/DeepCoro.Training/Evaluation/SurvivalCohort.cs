using System;
using System.Linq;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Right-censored outcomes (time, event) with a risk score per patient (higher = earlier event), sorted once, and
    /// the survival statistics of docs/survival.md under any case weights (1 for the reported value, a bootstrap's
    /// counts for its interval; weight w counts a patient w times). Checked against R survival 3.5.3 by
    /// tools/make_survival_fixtures.R. The censoring distribution G is the Kaplan-Meier of the censorings with
    /// events before censorings at a tied time, and an event at t is weighted by G(t-) (survival's fastkm, which
    /// concordance(timewt = "n/G2") uses).
    /// </summary>
    public sealed class SurvivalCohort
    {
        private readonly double[] time, risk;
        private readonly bool[] @event;
        // Patients by time, latest first; the distinct times ascending with each patient's index among them.
        private readonly int[] latestFirst, timeIndex;
        private readonly double[] times;
        // Each patient's rank among the distinct risk scores (0 = lowest).
        private readonly int[] riskRank;
        private readonly int riskLevels;

        public SurvivalCohort(double[] time, bool[] @event, double[] risk)
        {
            if (time.Length != @event.Length || time.Length != risk.Length)
                throw new ArgumentException($"survival cohort: {time.Length} times, {@event.Length} events and {risk.Length} risks");
            this.time = time;
            this.@event = @event;
            this.risk = risk;
            latestFirst = Enumerable.Range(0, time.Length).OrderByDescending(i => time[i]).ToArray();
            times = time.Distinct().OrderBy(t => t).ToArray();
            timeIndex = time.Select(t => Array.BinarySearch(times, t)).ToArray();
            var levels = risk.Distinct().OrderBy(r => r).ToArray();
            riskLevels = levels.Length;
            riskRank = risk.Select(r => Array.BinarySearch(levels, r)).ToArray();
        }

        public int Count => time.Length;

        public double[] Time => time;

        public bool[] Event => @event;

        public double[] Risk => risk;

        /// <summary>
        /// Harrell's C as R survival's concordance(Surv(t, e) ~ r, reverse = TRUE): over pairs where i has an event
        /// at t_i and j was still at risk after it (t_j &gt; t_i, or t_j = t_i censored), concordant if r_i &gt; r_j,
        /// tied in score counting half; pairs of events at one time are left out. NaN without a comparable pair.
        /// </summary>
        public double Harrell(ReadOnlySpan<double> weight) => Concordance(weight, double.PositiveInfinity, null);

        /// <summary>
        /// Uno's C truncated at tau: Harrell's pairs with t_i &lt;= tau, each weighted 1 / G(t_i-)^2; equals R
        /// survival's concordance(..., reverse = TRUE, timewt = "n/G2", ymax = tau).
        /// </summary>
        public double Uno(ReadOnlySpan<double> weight, double tau) => Concordance(weight, tau, Censoring(weight));

        private double Concordance(ReadOnlySpan<double> weight, double tau, CensoringCurve? ipcw)
        {
            var tree = new double[riskLevels + 1];
            double concordant = 0, discordant = 0, tied = 0, total = 0;
            for (var start = 0; start < latestFirst.Length;)
            {
                var end = start;
                while (end < latestFirst.Length && time[latestFirst[end]] == time[latestFirst[start]]) end++;
                // The censored at this time are still at risk after the events at it.
                for (var k = start; k < end; k++)
                {
                    var j = latestFirst[k];
                    if (!@event[j] && weight[j] > 0) { Add(tree, riskRank[j], weight[j]); total += weight[j]; }
                }
                var t = time[latestFirst[start]];
                var pairWeight = ipcw is null ? 1.0 : 1.0 / Math.Pow(ipcw.Before(t), 2);
                if (t <= tau && double.IsFinite(pairWeight))
                {
                    for (var k = start; k < end; k++)
                    {
                        var i = latestFirst[k];
                        if (!@event[i] || weight[i] == 0) continue;
                        double below = Sum(tree, riskRank[i]), atOrBelow = Sum(tree, riskRank[i] + 1), w = weight[i] * pairWeight;
                        concordant += w * below;
                        tied += w * (atOrBelow - below);
                        discordant += w * (total - atOrBelow);
                    }
                }

                for (var k = start; k < end; k++)
                {
                    var i = latestFirst[k];
                    if (@event[i] && weight[i] > 0) { Add(tree, riskRank[i], weight[i]); total += weight[i]; }
                }
                start = end;
            }
            var pairs = concordant + discordant + tied;
            return pairs > 0 ? (concordant + tied / 2) / pairs : double.NaN;
        }

        /// <summary>
        /// The cumulative/dynamic time-dependent AUC at horizon h (IPCW, Uno 2007): cases are events at t &lt;= h
        /// weighted 1 / G(t-), controls are patients with t &gt; h (weighted 1 / G(h), a constant that cancels); the
        /// probability that a case's risk exceeds a control's, ties counting half. NaN without a case or a control.
        /// </summary>
        public double TimeDependentAuc(ReadOnlySpan<double> weight, double horizon)
        {
            var g = Censoring(weight);
            var controls = new double[riskLevels + 1];
            double controlTotal = 0;
            for (var j = 0; j < Count; j++)
                if (time[j] > horizon && weight[j] > 0) { controls[riskRank[j] + 1] += weight[j]; controlTotal += weight[j]; }
            for (var k = 1; k <= riskLevels; k++) controls[k] += controls[k - 1];
            double caseTotal = 0, above = 0;
            for (var i = 0; i < Count; i++)
            {
                if (!@event[i] || time[i] > horizon || weight[i] == 0) continue;
                var w = weight[i] / g.Before(time[i]);
                caseTotal += w;
                double below = controls[riskRank[i]], atOrBelow = controls[riskRank[i] + 1];
                above += w * (below + (atOrBelow - below) / 2);
            }
            return caseTotal > 0 && controlTotal > 0 ? above / (caseTotal * controlTotal) : double.NaN;
        }

        /// <summary>
        /// The Brier score at time s of predicted survival probabilities (Graf 1999, IPCW): the weighted mean over
        /// patients of S(s)^2 / G(t-) for an event at t &lt;= s, (1 - S(s))^2 / G(s) for t &gt; s, and 0 for a
        /// censoring at t &lt;= s (who still counts in the mean).
        /// </summary>
        public double Brier(ReadOnlySpan<double> weight, double s, ReadOnlySpan<double> survivalAtS) =>
            Brier(weight, s, survivalAtS, Censoring(weight));

        private double Brier(ReadOnlySpan<double> weight, double s, ReadOnlySpan<double> survivalAtS, CensoringCurve g)
        {
            double sum = 0, total = 0, after = g.At(s);
            for (var i = 0; i < Count; i++)
            {
                if (weight[i] == 0) continue;
                total += weight[i];
                if (time[i] > s) sum += weight[i] * Math.Pow(1 - survivalAtS[i], 2) / after;
                else if (@event[i]) sum += weight[i] * Math.Pow(survivalAtS[i], 2) / g.Before(time[i]);
            }
            return total > 0 ? sum / total : double.NaN;
        }

        /// <summary>
        /// The integrated Brier score over a grid of times g_1 &lt; ... &lt; g_m: the trapezoid rule on the Brier
        /// scores at the grid times, divided by g_m - g_1 (scikit-survival's integrated_brier_score).
        /// <paramref name="survival"/>[i][k] is patient i's predicted survival at grid[k].
        /// NaN with fewer than two grid times.
        /// </summary>
        public double IntegratedBrier(ReadOnlySpan<double> weight, double[] grid, double[][] survival)
        {
            if (grid.Length < 2) return double.NaN;
            var g = Censoring(weight);
            var column = new double[Count];
            double previous = 0, area = 0;
            for (var k = 0; k < grid.Length; k++)
            {
                for (var i = 0; i < Count; i++) column[i] = survival[i][k];
                var score = Brier(weight, grid[k], column, g);
                if (k > 0) area += (grid[k] - grid[k - 1]) * (score + previous) / 2;
                previous = score;
            }
            return area / (grid[^1] - grid[0]);
        }

        /// <summary>The Kaplan-Meier estimate of the event-free survival (R survival's survfit(Surv(t, e) ~ 1,
        /// weights = w)).</summary>
        public KaplanMeierCurve KaplanMeier(ReadOnlySpan<double> weight)
        {
            var (atRisk, events, censored) = Tally(weight);
            var rows = Enumerable.Range(0, times.Length).Where(k => events[k] + censored[k] > 0).ToArray();
            var survival = new double[rows.Length];
            double s = 1;
            for (var r = 0; r < rows.Length; r++)
            {
                var k = rows[r];
                s *= 1 - events[k] / atRisk[k];
                survival[r] = s;
            }
            return new KaplanMeierCurve(rows.Select(k => times[k]).ToArray(), rows.Select(k => atRisk[k]).ToArray(),
                rows.Select(k => events[k]).ToArray(), rows.Select(k => censored[k]).ToArray(), survival);
        }

        /// <summary>The censoring survival G with events before censorings at a tied time.</summary>
        public CensoringCurve Censoring(ReadOnlySpan<double> weight)
        {
            var (atRisk, events, censored) = Tally(weight);
            var after = new double[times.Length];
            double g = 1;
            for (var k = 0; k < times.Length; k++)
            {
                var exposed = atRisk[k] - events[k];
                if (exposed > 0) g *= 1 - censored[k] / exposed;
                after[k] = g;
            }
            return new CensoringCurve(times, after);
        }

        /// <summary>Per distinct time: the weight at risk just before it, its events and its censorings.</summary>
        private (double[] AtRisk, double[] Events, double[] Censored) Tally(ReadOnlySpan<double> weight)
        {
            var events = new double[times.Length];
            var censored = new double[times.Length];
            for (var i = 0; i < Count; i++)
                if (@event[i]) events[timeIndex[i]] += weight[i]; else censored[timeIndex[i]] += weight[i];
            var atRisk = new double[times.Length];
            double remaining = 0;
            for (var k = times.Length - 1; k >= 0; k--)
            {
                remaining += events[k] + censored[k];
                atRisk[k] = remaining;
            }
            return (atRisk, events, censored);
        }

        // A Fenwick tree over risk ranks: Add at a rank, Sum of the ranks below a bound.
        private static void Add(double[] tree, int rank, double value)
        {
            for (var k = rank + 1; k < tree.Length; k += k & -k) tree[k] += value;
        }

        private static double Sum(double[] tree, int bound)
        {
            double sum = 0;
            for (var k = bound; k > 0; k -= k & -k) sum += tree[k];
            return sum;
        }
    }
}
