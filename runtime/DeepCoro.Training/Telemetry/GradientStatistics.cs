using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// What the optimizer steps of an epoch did. Every step: the global gradient norm before clipping (what clipping
    /// measures) and whether it exceeded max_grad_norm (clipping scales every group by the one global factor, so the
    /// clipped share is the same for every group). Every <see cref="TelemetryOptions.SampleEvery"/>-th step from the
    /// epoch's first (a sample reads every gradient and copies the weights): per parameter group its gradient norm
    /// before clipping and its update-to-weight ratio |w_after - w_before| / |w_before|, and per cls token its
    /// gradient norm and its update norm. The epoch's figures are means over the steps counted.
    /// </summary>
    public sealed class GradientStatistics
    {
        private readonly IReadOnlyList<ParameterGroup> groups;
        private readonly IReadOnlyList<string> tokenKeys;
        private readonly int[] tokenIndex;                    // each token's position among the parameters
        private readonly double? clipNorm;
        private readonly int every;
        private readonly TelemetryClock clock;
        private readonly double[] groupNorm, groupRatio, tokenGrad, tokenUpdate;
        private readonly int[] groupOf;                       // the group of each parameter, in optimizer order
        private readonly List<Parameter> parameters;
        private double[]? pending;                            // a sampled step's gradient norms, until its update is known
        private Tensor[]? before;                             // a sampled step's weights before it, then its change
        private double[]? sizes;                              // their norms
        private double globalNorm, clipped;
        private int steps, samples;
        private long callsThisEpoch;

        /// <param name="tokens">the state_dict keys of the cls tokens (a frozen one is left out).</param>
        public GradientStatistics(IReadOnlyList<ParameterGroup> groups, IEnumerable<string> tokens, double? clipNorm, int sampleEvery, TelemetryClock clock)
        {
            this.groups = groups;
            var keys = groups.SelectMany(g => g.Parameters.Select(p => p.Key)).ToList();
            tokenKeys = tokens.Distinct().Where(keys.Contains).ToList();
            tokenIndex = tokenKeys.Select(k => keys.IndexOf(k)).ToArray();
            this.clipNorm = clipNorm;
            every = Math.Max(1, sampleEvery);
            this.clock = clock;
            parameters = groups.SelectMany(g => g.Parameters.Select(p => p.Parameter)).ToList();
            groupOf = groups.SelectMany((g, i) => g.Parameters.Select(_ => i)).ToArray();
            groupNorm = new double[groups.Count];
            groupRatio = new double[groups.Count];
            tokenGrad = new double[tokenKeys.Count];
            tokenUpdate = new double[tokenKeys.Count];
        }

        /// <summary>Called with the gradients complete and not yet clipped;
        /// decides whether this step is a sample.</summary>
        public void BeforeClip()
        {
            if (callsThisEpoch++ % every != 0) return;
            using var span = clock.Measure();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var device = parameters[0].device;
            var norms = parameters.Select(p => p.grad is { } g ? g.norm() : zeros(Array.Empty<long>(), device: device)).ToArray();
            pending = stack(norms).to(ScalarType.Float64).cpu().data<double>().ToArray();   // one transfer per sample
        }

        /// <summary>
        /// The global norm before clipping (what clipping measured). A step whose norm is not finite is skipped (and
        /// counted by <see cref="NonFiniteGuard"/>): it adds nothing here.
        /// </summary>
        public void Clipping(double norm)
        {
            var values = pending;
            if (!double.IsFinite(norm))
            {
                pending = null;
                return;
            }
            steps++;
            globalNorm += norm;
            if (clipNorm is { } max && norm > max) clipped++;
            if (values is null) return;
            var squares = new double[groups.Count];
            for (var i = 0; i < values.Length; i++) squares[groupOf[i]] += values[i] * values[i];
            for (var g = 0; g < groups.Count; g++) groupNorm[g] += Math.Sqrt(squares[g]);
            for (var t = 0; t < tokenIndex.Length; t++) tokenGrad[t] += values[tokenIndex[t]];
        }

        /// <summary>Called right before the optimizer step: a sampled step measures and copies the weights.</summary>
        public void BeforeStep()
        {
            if (pending is null) return;
            using var span = clock.Measure();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            sizes = stack(parameters.Select(p => p.norm()).ToArray()).to(ScalarType.Float64).cpu().data<double>().ToArray();
            before = parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
        }

        /// <summary>Called right after the optimizer step: a sampled
        /// step measures its update (in place in the copies).</summary>
        public void AfterStep()
        {
            if (before is null || sizes is null) return;
            using var span = clock.Measure();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var change = stack(parameters.Select((p, i) => before[i].sub_(p).norm()).ToArray()).to(ScalarType.Float64).cpu().data<double>().ToArray();
            var moved = new double[groups.Count];
            var size = new double[groups.Count];
            for (var i = 0; i < parameters.Count; i++) { moved[groupOf[i]] += change[i] * change[i]; size[groupOf[i]] += sizes[i] * sizes[i]; }
            for (var g = 0; g < groups.Count; g++) groupRatio[g] += size[g] > 0 ? Math.Sqrt(moved[g] / size[g]) : 0;
            for (var t = 0; t < tokenIndex.Length; t++) tokenUpdate[t] += change[tokenIndex[t]];
            samples++;
            foreach (var b in before) b.Dispose();
            before = null;
            sizes = null;
            pending = null;
        }

        /// <summary>The epoch's figures, then a fresh start.</summary>
        public OrderedDictionary<string, double> Scalars()
        {
            var scalars = new OrderedDictionary<string, double>();
            double Mean(double sum, int n) => n > 0 ? sum / n : double.NaN;
            scalars["grad/norm"] = Mean(globalNorm, steps);
            if (clipNorm is not null) scalars["grad/clipped_share"] = Mean(clipped, steps);
            for (var g = 0; g < groups.Count; g++)
            {
                var name = groups[g].Name.Replace(':', '/');
                scalars[$"grad/{name}/norm"] = Mean(groupNorm[g], samples);
                scalars[$"grad/{name}/update_ratio"] = Mean(groupRatio[g], samples);
            }
            for (var t = 0; t < tokenKeys.Count; t++)
            {
                scalars[$"cls/{tokenKeys[t]}/grad_norm"] = Mean(tokenGrad[t], samples);
                scalars[$"cls/{tokenKeys[t]}/update_norm"] = Mean(tokenUpdate[t], samples);
            }
            Array.Clear(groupNorm); Array.Clear(groupRatio); Array.Clear(tokenGrad); Array.Clear(tokenUpdate);
            globalNorm = clipped = 0;
            steps = samples = 0;
            callsThisEpoch = 0;
            return scalars;
        }
    }
}
