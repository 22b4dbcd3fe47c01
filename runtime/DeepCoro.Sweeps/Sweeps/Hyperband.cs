using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
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
                for (var k = 0; S is null || k < S; k++, r *= Eta)
                {
                    if (r > int.MaxValue / 2) yield break;
                    yield return (int)Math.Round(r);
                }
            }
            else if (MaxIter is int max && S is int s)
            {
                var rungs = new SortedSet<int>();
                double r = max;
                for (var k = 1; k <= s; k++) { r /= Eta; if (r >= 1) rungs.Add((int)Math.Round(r)); }
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
}
