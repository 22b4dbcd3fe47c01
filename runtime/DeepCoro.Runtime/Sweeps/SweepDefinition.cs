using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
    public enum SearchMethod { Grid, Random, Bayes }

    public enum Goal { Minimize, Maximize }

    /// <summary>The metric a sweep optimises: a key of the trial's metrics log, e.g. <c>val/main_loss</c>.</summary>
    public sealed record SweepMetric(string Name, Goal Goal)
    {
        /// <summary>True when <paramref name="a"/> is strictly better than <paramref name="b"/>.</summary>
        public bool Better(double a, double b) => Goal == Goal.Minimize ? a < b : a > b;

        /// <summary>The value in "lower is better" form, which the optimiser and the rungs compare.</summary>
        public double AsLoss(double v) => Goal == Goal.Minimize ? v : -v;
    }

    /// <summary>
    /// W&amp;B's hyperband early termination. Rungs (in epochs) are min_iter * eta^k for k = 0 .. s-1 (no limit when s
    /// is absent), or max_iter / eta^k for k = 1 .. s; at a rung a trial goes on only when its best metric so far is
    /// among the top ceil(n / eta) of the n trials that reached that rung.
    /// </summary>
    public sealed record Hyperband(int? MinIter, int? MaxIter, double Eta, int? S)
    {
        public IEnumerable<int> Rungs()
        {
            if (MinIter is int min)
            {
                double r = min;
                for (int k = 0; S is null || k < S; k++, r *= Eta)
                {
                    if (r > int.MaxValue / 2) yield break;
                    yield return (int)Math.Round(r);
                }
            }
            else if (MaxIter is int max && S is int s)
            {
                var rungs = new SortedSet<int>();
                double r = max;
                for (int k = 1; k <= s; k++) { r /= Eta; if (r >= 1) rungs.Add((int)Math.Round(r)); }
                foreach (var x in rungs) yield return x;
            }
        }

        public bool IsRung(int epoch)
        {
            foreach (var r in Rungs())
            {
                if (r == epoch) return true;
                if (r > epoch) return false;
            }
            return false;
        }
    }

    /// <summary>
    /// A parsed sweep file: what to search, how, and what was in the file that this engine cannot honour. <c>File</c>
    /// is
    /// the name messages start with; <c>WandbCommand</c> is what W&amp;B's agent would have run (program or command),
    /// shown to the user and never run.
    /// </summary>
    public sealed record SweepDefinition(
        string File,
        SearchMethod Method,
        SweepMetric Metric,
        IReadOnlyList<SweepParameter> Parameters,
        Hyperband? EarlyTerminate,
        int? RunCap,
        IReadOnlyList<string> Warnings,
        IReadOnlyList<string> WandbCommand);
}
