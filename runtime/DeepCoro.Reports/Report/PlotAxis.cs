using System;
using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Where every trial with a result sits on one parameter's axis: <c>Positions[i]</c>
    /// for <c>Trials[i]</c>, numbers as they are (log10 for log-scaled parameters),
    /// categories at 0, 1, ... in the sweep file's order, with <c>Ticks</c> naming them.
    /// Values match by meaning, not by text: a 0.0 in the sweep file is the 0 JSON reads back.
    /// </summary>
    public sealed record PlotAxis(string Label, IReadOnlyList<TrialRecord> Trials, IReadOnlyList<double> Positions, IReadOnlyList<string>? Ticks)
    {
        public static PlotAxis For(SweepParameter p, IReadOnlyList<TrialRecord> scored)
        {
            if (p.IsCategorical)
            {
                var values = p.Values.ToList();
                var positions = new List<double>();
                foreach (var t in scored)
                {
                    var v = t.Params[p.Name];
                    var k = values.FindIndex(x => SweepValues.Same(x, v));
                    // a value the sweep file does not list (an edited journal) still gets a column
                    if (k < 0) { values.Add(v?.DeepClone()); k = values.Count - 1; }
                    positions.Add(k);
                }
                return new PlotAxis(p.Name, scored, positions, values.Select(SweepValues.Format).ToList());
            }
            var xs = scored.Select(t => SweepValues.TryNumber(t.Params[p.Name], out var x) ? x : double.NaN).ToList();
            var log = p.IsLog && xs.All(x => x > 0);
            return new PlotAxis(log ? $"log10({p.Name})" : p.Name, scored, xs.Select(x => log ? Math.Log10(x) : x).ToList(), null);
        }

        /// <summary>Positions scaled to [0, 1] (a single value sits at 0.5), for axes drawn side by side.</summary>
        public IReadOnlyList<double> Unit()
        {
            double lo = Ticks is null ? Positions.Min() : 0, hi = Ticks is null ? Positions.Max() : Ticks.Count - 1;
            return Positions.Select(x => hi > lo ? (x - lo) / (hi - lo) : 0.5).ToList();
        }
    }
}
