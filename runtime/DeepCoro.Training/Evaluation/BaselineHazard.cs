using System;
using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A Cox head's Breslow baseline cumulative hazard H0, a step function over the distinct event times of the
    /// studies it was fitted on, and the horizons the head is evaluated at: its survival is S(t | r) = exp(-H0(t)
    /// exp(r)) for a risk score r. Breslow's estimator (as R survival's survfit at risk 0 of a Breslow-ties coxph on
    /// offset(r)): H0(t) = sum over event times s &lt;= t of d(s) / sum_{j: t_j &gt;= s} exp(r_j), d(s) the events
    /// at s.
    /// </summary>
    public sealed record BaselineHazard(double[] Times, double[] CumulativeHazard, double[] Horizons, int Studies, int Events)
    {
        /// <summary>Fits H0 on the given times, events and risk scores (the training split's, from the best model);
        /// <paramref name="horizons"/> are kept with it.</summary>
        public static BaselineHazard Fit(double[] time, bool[] @event, double[] risk, double[] horizons)
        {
            if (time.Length != @event.Length || time.Length != risk.Length)
                throw new ArgumentException($"baseline hazard: {time.Length} times, {@event.Length} events and {risk.Length} risks");
            // exp(r) relative to the largest risk (H0 scaled back by exp(-max)) so that risks of any size stay finite
            var shift = risk.Length > 0 ? risk.Max() : 0;
            var order = Enumerable.Range(0, time.Length).OrderByDescending(i => time[i]).ToArray();
            var times = new List<double>();
            var increments = new List<double>();
            double atRisk = 0;
            for (var start = 0; start < order.Length;)
            {
                var end = start;
                var t = time[order[start]];
                var deaths = 0;
                while (end < order.Length && time[order[end]] == t)
                {
                    atRisk += Math.Exp(risk[order[end]] - shift);
                    if (@event[order[end]]) deaths++;
                    end++;
                }
                if (deaths > 0) { times.Add(t); increments.Add(deaths / atRisk); }
                start = end;
            }
            times.Reverse();
            increments.Reverse();
            var cumulative = new double[increments.Count];
            double sum = 0, scale = Math.Exp(-shift);
            for (var k = 0; k < cumulative.Length; k++) { sum += increments[k]; cumulative[k] = sum * scale; }
            return new BaselineHazard(times.ToArray(), cumulative, horizons, time.Length, @event.Count(e => e));
        }

        /// <summary>H0(t): 0 before the first event time, constant after the last.</summary>
        public double At(double t)
        {
            var k = Array.BinarySearch(Times, t);
            var upTo = k >= 0 ? k + 1 : ~k;
            return upTo == 0 ? 0 : CumulativeHazard[upTo - 1];
        }

        /// <summary>S(t | r) = exp(-H0(t) exp(r)).</summary>
        public double Survival(double t, double risk) => Math.Exp(-At(t) * Math.Exp(risk));
    }
}
