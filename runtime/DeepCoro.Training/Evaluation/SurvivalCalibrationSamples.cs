using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Calibration of a survival head at one horizon H: the studies in three groups by predicted risk (cut at two
    /// given points, the tertiles of the training split's risks), and per group the mean predicted survival S(H | x)
    /// (<c>low_predicted</c>...) against the Kaplan-Meier survival at H of the group's observed times and events
    /// (<c>low_observed</c>...; NaN when the group's follow-up ends before H without reaching 0). Under any weights,
    /// so that a bootstrap of the split (all studies resampled together) gives each its interval.
    /// </summary>
    public sealed class SurvivalCalibrationSamples : HeadSamples
    {
        public static readonly IReadOnlyList<string> Groups = new[] { "low", "middle", "high" };

        private static readonly string[] MetricNames = Groups.SelectMany(g => new[] { g + "_predicted", g + "_observed" }).ToArray();

        private readonly SurvivalCohort cohort;
        private readonly double[] predicted;
        private readonly int[] group;

        /// <summary>Studies with their times, events, risks and predicted survival at <paramref name="horizon"/>;
        /// a risk &lt;= <paramref name="low"/> is low, &lt;= <paramref name="high"/> middle, above it high.</summary>
        public SurvivalCalibrationSamples(double[] time, bool[] @event, double[] risk, double[] predicted, double horizon, double low, double high)
            : base(TaskKind.Survival, time.Length)
        {
            cohort = new SurvivalCohort(time, @event, risk);
            this.predicted = predicted;
            Horizon = horizon;
            group = risk.Select(r => r <= low ? 0 : r <= high ? 1 : 2).ToArray();
        }

        public double Horizon { get; }

        public override IReadOnlyList<string> Names => MetricNames;

        public override int[]? Strata => null;

        /// <summary>Per group its studies and events (unweighted), in <see cref="Groups"/> order.</summary>
        public (int Studies, int Events)[] Counts() =>
            Enumerable.Range(0, 3).Select(g => (group.Count(x => x == g), Enumerable.Range(0, Count).Count(i => group[i] == g && cohort.Event[i]))).ToArray();

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            var inGroup = new double[Count];
            for (var g = 0; g < 3; g++)
            {
                double total = 0, sum = 0, reach = 0;
                for (var i = 0; i < Count; i++)
                {
                    inGroup[i] = group[i] == g ? weight[i] : 0;
                    total += inGroup[i];
                    sum += inGroup[i] * predicted[i];
                    if (inGroup[i] > 0) reach = Math.Max(reach, cohort.Time[i]);
                }
                into[2 * g] = total > 0 ? sum / total : double.NaN;
                into[2 * g + 1] = total > 0 ? Observed(cohort.KaplanMeier(inGroup), reach) : double.NaN;
            }
        }

        /// <summary>The Kaplan-Meier survival at the horizon: its last step at or before it; NaN when the follow-up
        /// (<paramref name="reach"/>) ends before the horizon and the curve has not reached 0.</summary>
        private double Observed(KaplanMeierCurve km, double reach)
        {
            double s = 1;
            for (var k = 0; k < km.Time.Length && km.Time[k] <= Horizon; k++) s = km.Survival[k];
            return reach < Horizon && s > 0 ? double.NaN : s;
        }
    }
}
