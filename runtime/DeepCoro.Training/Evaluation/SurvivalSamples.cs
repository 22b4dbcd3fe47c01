using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A survival head's labelled samples and its metrics (docs/survival.md): Harrell's C (c_index), Uno's C
    /// truncated at tau (uno_c), the time-dependent AUC at each horizon (td_auc_&lt;t&gt;) and, for a discrete-time
    /// head or a Cox head with a baseline hazard, the integrated Brier score over its bounds or horizons (ibs). A
    /// discrete head's horizons are its interval bounds and tau its last bound; a Cox head's horizons are the
    /// quartiles of the training split's event times (<see cref="Horizons"/>; of the evaluated split's own when there
    /// is no training split), fixed before any resample, and tau the last of them. Bootstrap resamples draw over all
    /// samples.
    /// </summary>
    public sealed class SurvivalSamples : HeadSamples
    {
        private readonly SurvivalCohort cohort;
        private readonly double tau;
        private readonly double[] horizons;
        private readonly double[]? grid;
        private readonly double[][]? survival;
        private readonly string[] names;

        public SurvivalSamples(SurvivalCohort cohort, double tau, double[] horizons, double[]? grid, double[][]? survival)
            : base(TaskKind.Survival, cohort.Count)
        {
            this.cohort = cohort;
            this.tau = tau;
            this.horizons = horizons;
            this.grid = grid;
            this.survival = survival;
            var list = new List<string> { "c_index", "uno_c" };
            list.AddRange(horizons.Select(h => "td_auc_" + h.ToString("R", CultureInfo.InvariantCulture)));
            if (grid != null) list.Add("ibs");
            names = list.ToArray();
        }

        /// <summary>A head's samples from its scores (the risk, then the survival at each interval bound of a
        /// discrete head or at each horizon of a Cox head with a baseline hazard), times and events;
        /// <paramref name="horizons"/> null takes <see cref="Horizons"/> of these samples.</summary>
        public static SurvivalSamples Of(HeadSpec head, double[][] scores, double[] time, double[] events, double[]? horizons = null)
        {
            var cohort = new SurvivalCohort(time, events.Select(e => e == 1).ToArray(), scores.Select(s => s[0]).ToArray());
            if (head.Intervals is { Count: > 0 } bounds)
                return new SurvivalSamples(cohort, bounds[^1], bounds.ToArray(), bounds.ToArray(), scores.Select(s => s[1..]).ToArray());
            horizons ??= Horizons(head, time, events);
            // a Cox head whose baseline hazard gave it survival at its horizons
            var curves = scores.Length > 0 && scores[0].Length == horizons.Length + 1 && horizons.Length > 0;
            return new SurvivalSamples(cohort, horizons.Length > 0 ? horizons[^1] : double.NaN, horizons, curves ? horizons : null,
                curves ? scores.Select(s => s[1..]).ToArray() : null);
        }

        /// <summary>
        /// A survival head's horizons: a discrete head's interval bounds; for a Cox head the quartiles of the event
        /// times given (numpy's linear interpolation), rounded to 4 significant digits so that metric names stay
        /// short (td_auc_182.5).
        /// </summary>
        public static double[] Horizons(HeadSpec head, double[] time, double[] events) =>
            head.Intervals is { Count: > 0 } bounds ? bounds.ToArray() : Quartiles(time, events);

        /// <summary>
        /// Samples from a risk, times and events alone (a prediction file's <c>h_risk</c>, <c>h_time</c>,
        /// <c>h_event</c>, without the head's spec): horizons as a Cox head's, the quartiles of these event times; no
        /// integrated Brier score (it needs a discrete head's survival curve).
        /// </summary>
        public static SurvivalSamples OfRisk(double[] risk, double[] time, double[] events)
        {
            var horizons = Quartiles(time, events);
            return new SurvivalSamples(new SurvivalCohort(time, events.Select(e => e == 1).ToArray(), risk), horizons.Length > 0 ? horizons[^1] : double.NaN,
                horizons, null, null);
        }

        private static double[] Quartiles(double[] time, double[] events)
        {
            var eventTimes = Enumerable.Range(0, time.Length).Where(i => events[i] == 1).Select(i => time[i]).OrderBy(t => t).ToList();
            return new[] { 0.25, 0.5, 0.75 }.Select(q => Bootstrap.Percentile(eventTimes, q)).Where(double.IsFinite)
                .Select(t => t == 0 ? 0 : Math.Round(t, Math.Max(0, 3 - (int)Math.Floor(Math.Log10(Math.Abs(t)))))).Distinct().ToArray();
        }

        public override IReadOnlyList<string> Names => names;

        public override int[]? Strata => null;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            into[0] = cohort.Harrell(weight);
            into[1] = double.IsNaN(tau) ? double.NaN : cohort.Uno(weight, tau);
            for (var k = 0; k < horizons.Length; k++) into[2 + k] = cohort.TimeDependentAuc(weight, horizons[k]);
            if (grid != null) into[2 + horizons.Length] = cohort.IntegratedBrier(weight, grid, survival!);
        }
    }
}
