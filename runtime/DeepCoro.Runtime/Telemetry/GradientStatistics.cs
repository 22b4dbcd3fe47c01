using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// What the optimizer steps of an epoch did, per parameter group: the gradient norm before clipping (mean over
    /// steps), the update-to-weight ratio |w_after - w_before| / |w_before| (mean over every
    /// <see cref="TelemetryOptions.UpdateRatioEvery"/>-th step, which copies the group's weights); for the run, the
    /// global gradient norm and the share of steps whose global norm exceeded max_grad_norm (clipping scales every
    /// group by the one global factor, so that share is the same for every group); per cls token, its gradient
    /// norm before clipping and its update norm at every step. The ratio's sample starts at each epoch's first step.
    /// </summary>
    public sealed class GradientStatistics
    {
        private readonly IReadOnlyList<ParameterGroup> groups;
        private readonly IReadOnlyList<string> tokenKeys;
        private readonly int[] tokenIndex;                    // each token's position among the parameters
        private readonly double? clipNorm;
        private readonly int ratioEvery;
        private readonly TelemetryClock clock;
        private readonly double[] groupNorm, groupRatio, tokenGrad, tokenUpdate;
        private readonly int[] groupOf;                       // the group of each parameter, in optimizer order
        private readonly List<Parameter> parameters;
        private double[]? pending;                            // this step's parameter gradient norms, until its update is known
        private Tensor[]? before;
        private Tensor[] tokenBefore = Array.Empty<Tensor>();
        private double globalNorm, clipped;
        private int steps, ratioSteps;
        private long callsThisEpoch;

        /// <param name="tokens">the state_dict keys of the cls tokens (a frozen one is left out).</param>
        public GradientStatistics(IReadOnlyList<ParameterGroup> groups, IEnumerable<string> tokens, double? clipNorm, int ratioEvery, TelemetryClock clock)
        {
            this.groups = groups;
            var keys = groups.SelectMany(g => g.Parameters.Select(p => p.Key)).ToList();
            tokenKeys = tokens.Distinct().Where(keys.Contains).ToList();
            tokenIndex = tokenKeys.Select(k => keys.IndexOf(k)).ToArray();
            this.clipNorm = clipNorm;
            this.ratioEvery = Math.Max(1, ratioEvery);
            this.clock = clock;
            parameters = groups.SelectMany(g => g.Parameters.Select(p => p.Parameter)).ToList();
            groupOf = groups.SelectMany((g, i) => g.Parameters.Select(_ => i)).ToArray();
            groupNorm = new double[groups.Count];
            groupRatio = new double[groups.Count];
            tokenGrad = new double[tokenKeys.Count];
            tokenUpdate = new double[tokenKeys.Count];
        }

        /// <summary>Called with the gradients complete and not yet clipped.</summary>
        public void BeforeClip()
        {
            using var span = clock.Measure();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var device = parameters[0].device;
            var norms = parameters.Select(p => p.grad is { } g ? g.norm() : zeros(Array.Empty<long>(), device: device)).ToArray();
            pending = stack(norms).to(ScalarType.Float64).cpu().data<double>().ToArray();   // one transfer per step
        }

        /// <summary>
        /// The global norm before clipping (what clipping measured): the step counts, with the gradient norms of
        /// <see cref="BeforeClip"/>, unless it is not finite (then the step is skipped and counted elsewhere).
        /// </summary>
        public void Clipping(double norm)
        {
            var values = pending;
            pending = null;
            if (!double.IsFinite(norm) || values is null) return;
            steps++;
            globalNorm += norm;
            if (clipNorm is { } max && norm > max) clipped++;
            var squares = new double[groups.Count];
            for (int i = 0; i < values.Length; i++) squares[groupOf[i]] += values[i] * values[i];
            for (int g = 0; g < groups.Count; g++) groupNorm[g] += Math.Sqrt(squares[g]);
            for (int t = 0; t < tokenIndex.Length; t++) tokenGrad[t] += values[tokenIndex[t]];
        }

        /// <summary>Called right before the optimizer step: copies the weights whose update is measured this step.</summary>
        public void BeforeStep()
        {
            using var span = clock.Measure();
            using var noGrad = no_grad();
            tokenBefore = tokenIndex.Select(i => parameters[i].detach().clone()).ToArray();
            // the epoch's first step and every ratioEvery-th after it: every epoch gets a figure
            if (callsThisEpoch++ % ratioEvery == 0) before = parameters.Select(p => p.detach().clone()).ToArray();
        }

        /// <summary>Called right after the optimizer step.</summary>
        public void AfterStep()
        {
            using var span = clock.Measure();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            for (int t = 0; t < tokenIndex.Length; t++)
                tokenUpdate[t] += (parameters[tokenIndex[t]] - tokenBefore[t]).norm().item<float>();
            foreach (var b in tokenBefore) b.Dispose();
            tokenBefore = Array.Empty<Tensor>();
            if (before is null) return;
            var change = new double[groups.Count];
            var size = new double[groups.Count];
            var pairs = parameters.Select((p, i) => stack(new[] { (p - before[i]).square().sum(), before[i].square().sum() })).ToArray();
            var values = stack(pairs).to(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int i = 0; i < parameters.Count; i++) { change[groupOf[i]] += values[2 * i]; size[groupOf[i]] += values[2 * i + 1]; }
            for (int g = 0; g < groups.Count; g++) groupRatio[g] += size[g] > 0 ? Math.Sqrt(change[g] / size[g]) : 0;
            ratioSteps++;
            foreach (var b in before) b.Dispose();
            before = null;
        }

        /// <summary>The epoch's figures, then a fresh start.</summary>
        public OrderedDictionary<string, double> Scalars()
        {
            var scalars = new OrderedDictionary<string, double>();
            double Mean(double sum, int n) => n > 0 ? sum / n : double.NaN;
            scalars["grad/norm"] = Mean(globalNorm, steps);
            if (clipNorm is not null) scalars["grad/clipped_share"] = Mean(clipped, steps);
            for (int g = 0; g < groups.Count; g++)
            {
                var name = groups[g].Name.Replace(':', '/');
                scalars[$"grad/{name}/norm"] = Mean(groupNorm[g], steps);
                scalars[$"grad/{name}/update_ratio"] = Mean(groupRatio[g], ratioSteps);
            }
            for (int t = 0; t < tokenKeys.Count; t++)
            {
                scalars[$"cls/{tokenKeys[t]}/grad_norm"] = Mean(tokenGrad[t], steps);
                scalars[$"cls/{tokenKeys[t]}/update_norm"] = Mean(tokenUpdate[t], steps);
            }
            Array.Clear(groupNorm); Array.Clear(groupRatio); Array.Clear(tokenGrad); Array.Clear(tokenUpdate);
            globalNorm = clipped = 0;
            steps = ratioSteps = 0;
            callsThisEpoch = 0;
            return scalars;
        }
    }
}
