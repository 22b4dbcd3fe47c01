using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Bayesian optimisation: a Gaussian process over the unit-cube encoding of the parameters, and the candidate
    /// of highest expected improvement among draws from the priors and perturbations of the best trials so far.
    /// Trials still running count at the mean loss ("constant liar"), so parallel agents explore different points.
    /// The first trials are random draws. Every random choice is seeded by (seed, trial index): deterministic.
    /// </summary>
    public sealed class BayesSuggester : ISuggester
    {
        private const int PriorCandidates = 1000;
        private const int LocalCandidates = 100;
        private const int LocalCentres = 5;
        public const int ModelPoints = 200;
        private readonly IReadOnlyList<SweepParameter> parameters;
        private readonly int seed;
        private readonly int dims;

        public BayesSuggester(IReadOnlyList<SweepParameter> parameters, int seed)
        {
            this.parameters = parameters;
            this.seed = seed;
            dims = parameters.Sum(p => p.Dimensions);
        }

        public int? Size => null;

        /// <summary>Random trials before the model takes over: enough points to fit a length scale.</summary>
        public int InitialTrials => Math.Max(5, Math.Min(10, dims + 1));

        public double[] Encode(JsonObject values)
        {
            var v = new double[dims];
            var at = 0;
            foreach (var p in parameters)
            {
                p.Encode(values[p.Name], v.AsSpan(at, p.Dimensions));
                at += p.Dimensions;
            }
            return v;
        }

        public JsonObject Suggest(int index, IReadOnlyList<Observation> earlier)
        {
            var done = earlier.Where(o => o.Loss is not null).ToList();
            if (done.Count < InitialTrials || dims == 0)
                return Suggesters.SampleAll(parameters, new Random(Seeding.Mix(seed, index, 1)));

            var inputs = new List<double[]>();
            var targets = new List<double>();
            foreach (var o in Modelled(done)) { inputs.Add(Encode(o.Params)); targets.Add(o.Loss!.Value); }
            var liar = targets.Average();
            foreach (var o in earlier.Where(o => o.Loss is null)) { inputs.Add(Encode(o.Params)); targets.Add(liar); }
            var gp = new GaussianProcess(inputs, targets);
            var best = done.Min(o => o.Loss!.Value);

            var rng = new Random(Seeding.Mix(seed, index, 2));
            var candidates = new List<JsonObject>();
            for (var i = 0; i < PriorCandidates; i++) candidates.Add(Suggesters.SampleAll(parameters, rng));
            foreach (var centre in done.OrderBy(o => o.Loss!.Value).Take(LocalCentres))
                for (var i = 0; i < LocalCandidates; i++) candidates.Add(Perturb(centre.Params, rng));

            JsonObject? pick = null;
            var pickEi = double.NegativeInfinity;
            foreach (var c in candidates)
            {
                var ei = gp.ExpectedImprovement(Encode(c), best);
                if (ei > pickEi) { pickEi = ei; pick = c; }
            }
            return pick!;
        }

        /// <summary>
        /// The results the GP is fit to: all of them up to <see cref="ModelPoints"/>,
        /// else the best half of that many and the most recent others.
        /// Fitting is cubic in the points and runs under the sweep lock, so this bounds the lock's hold
        /// in long sweeps (about a second on one core at the cap) while keeping the region that matters.
        /// </summary>
        private static IEnumerable<Observation> Modelled(List<Observation> done)
        {
            if (done.Count <= ModelPoints) return done;
            var best = done.OrderBy(o => o.Loss!.Value).Take(ModelPoints / 2).ToHashSet();
            return done.Where(best.Contains).Concat(done.Where(o => !best.Contains(o)).TakeLast(ModelPoints - best.Count));
        }

        /// <summary>A neighbour of a good trial: numbers moved a little in quantile space,
        /// categories redrawn now and then.</summary>
        private JsonObject Perturb(JsonObject centre, Random rng)
        {
            var o = new JsonObject();
            Span<double> u = stackalloc double[1];
            foreach (var p in parameters)
            {
                if (p.IsCategorical)
                {
                    o[p.Name] = rng.NextDouble() < 0.25 ? p.Sample(rng) : centre[p.Name]?.DeepClone();
                }
                else
                {
                    p.Encode(centre[p.Name], u);
                    var z = Seeding.Gaussian(rng);
                    o[p.Name] = p.FromUnit(u[0] + 0.08 * z);
                }
            }
            return o;
        }
    }
}
