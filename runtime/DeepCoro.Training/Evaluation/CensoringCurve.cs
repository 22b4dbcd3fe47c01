using System;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A step function G over ascending distinct times: <paramref name="After"/>[k] is its value just after
    /// <paramref name="Times"/>[k] (the censoring distribution of <see cref="SurvivalCohort.Censoring"/>).
    /// </summary>
    public sealed record CensoringCurve(double[] Times, double[] After)
    {
        /// <summary>G(s-): the value just before s.</summary>
        public double Before(double s)
        {
            var k = Array.BinarySearch(Times, s);
            var below = k >= 0 ? k : ~k;
            return below == 0 ? 1 : After[below - 1];
        }

        /// <summary>G(s): the value at s, censorings at s included.</summary>
        public double At(double s)
        {
            var k = Array.BinarySearch(Times, s);
            var upTo = k >= 0 ? k + 1 : ~k;
            return upTo == 0 ? 1 : After[upTo - 1];
        }
    }
}
