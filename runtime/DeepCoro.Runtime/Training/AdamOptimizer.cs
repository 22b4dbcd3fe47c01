using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// AdamW (decoupled decay) and RAdam (L2 decay, as torch.optim.RAdam) over the reference's parameter groups,
    /// written here rather than taken from TorchSharp: its optimizers pass temporary Scalars to native calls
    /// without keeping them alive, and a garbage collection during a step freed one mid-call (seen as
    /// "toFloat ... Expected false to be true" in addcmul_). Every Scalar here lives until the step ends.
    /// The state (step, first and second moments per parameter key) is plain tensors, saved in checkpoints.
    /// </summary>
    public sealed class AdamOptimizer : IDisposable
    {
        private readonly OptimizerKind kind;
        private readonly double beta1, beta2, eps;
        private readonly IReadOnlyList<ParameterGroup> groups;
        private readonly Dictionary<string, (Tensor M, Tensor V)> moments = new();

        public long Steps { get; private set; }

        public AdamOptimizer(IReadOnlyList<ParameterGroup> groups, OptimizerOptions o)
        {
            kind = o.Kind;
            beta1 = o.Beta1;
            beta2 = o.Beta2;
            eps = o.Eps;
            this.groups = groups;
            foreach (var g in groups)
                foreach (var (key, p) in g.Parameters)
                    moments[key] = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
        }

        /// <summary>One update of every parameter that has a gradient, at each group's base rate times <paramref
        /// name="factor"/>.</summary>
        public void Step(double factor)
        {
            Steps++;
            var scalars = new List<Scalar>();
            Scalar S(double v) { var s = v.ToScalar(); scalars.Add(s); return s; }
            double bc1 = 1 - Math.Pow(beta1, Steps), bc2 = 1 - Math.Pow(beta2, Steps);
            try
            {
                using var _ = NewDisposeScope();
                using var __ = no_grad();
                foreach (var g in groups)
                {
                    double lr = g.Lr * factor;
                    foreach (var (key, p) in g.Parameters)
                    {
                        if (p.grad is not { } grad) continue;
                        var (m, v) = moments[key];
                        if (kind == OptimizerKind.AdamW) p.mul_(S(1 - lr * g.WeightDecay));
                        else if (g.WeightDecay != 0) grad = grad.add(p, S(g.WeightDecay));
                        m.mul_(S(beta1)).add_(grad, S(1 - beta1));
                        v.mul_(S(beta2)).addcmul_(grad, grad, S(1 - beta2));
                        if (kind == OptimizerKind.AdamW)
                        {
                            var denom = v.sqrt().div_(S(Math.Sqrt(bc2))).add_(S(eps));
                            p.addcdiv_(m, denom, S(-lr / bc1));
                            continue;
                        }
                        double rhoInf = 2 / (1 - beta2) - 1, rho = rhoInf - 2 * Steps * Math.Pow(beta2, Steps) / bc2;
                        if (rho > 5)
                        {
                            double r = Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                            var adaptive = v.sqrt().add_(S(eps)).reciprocal_().mul_(S(Math.Sqrt(bc2)));
                            p.add_(m.mul(adaptive), S(-lr * r / bc1));
                        }
                        else p.add_(m, S(-lr / bc1));
                    }
                }
            }
            finally
            {
                foreach (var s in scalars) s.Dispose();
            }
        }

        /// <summary>The moments as named tensors (optim.m.&lt;key&gt;, optim.v.&lt;key&gt;) for a
        /// checkpoint.</summary>
        public IEnumerable<KeyValuePair<string, Tensor>> State() =>
            moments.SelectMany(kv => new[] { new KeyValuePair<string, Tensor>("optim.m." + kv.Key, kv.Value.M), new("optim.v." + kv.Key, kv.Value.V) });

        public void Load(IReadOnlyDictionary<string, Tensor> tensors, long steps, string source)
        {
            using var _ = no_grad();
            foreach (var (key, (m, v)) in moments)
            {
                if (!tensors.TryGetValue("optim.m." + key, out var sm) || !tensors.TryGetValue("optim.v." + key, out var sv))
                    throw new IO.SafetensorsException($"{source}: no optimizer state for '{key}'; the checkpoint is from another model");
                m.copy_(sm);
                v.copy_(sv);
            }
            Steps = steps;
        }

        public void ZeroGrad()
        {
            foreach (var g in groups) foreach (var (_, p) in g.Parameters) p.grad?.zero_();
        }

        public void Dispose()
        {
            foreach (var (m, v) in moments.Values) { m.Dispose(); v.Dispose(); }
        }
    }
}
