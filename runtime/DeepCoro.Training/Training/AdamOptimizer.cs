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
    /// The state (step, first and second moments per parameter key) is plain tensors, saved in checkpoints; the
    /// moments of all parameters of one device and dtype are views of one flat buffer.
    /// By default (<see cref="OnePass"/>) a CPU float32 step is one pass over each parameter, its gradient and its
    /// moments (<see cref="AdamUpdate"/>), parameters spread over the cores; otherwise a sequence of TorchSharp ops
    /// per tensor. The two give the same bits: each op is one IEEE operation in the same order (no add-with-alpha
    /// or addcmul, which CPU kernels may or may not fuse into one rounding).
    /// </summary>
    public sealed class AdamOptimizer : IDisposable
    {
        /// <summary>Elements per unit of parallel work.</summary>
        private const long Chunk = 1 << 15;

        private readonly OptimizerKind kind;
        private readonly double beta1, beta2, eps;
        private readonly IReadOnlyList<ParameterGroup> groups;
        private readonly Dictionary<string, (Tensor M, Tensor V)> moments = new();
        private readonly List<Tensor> buffers = new();

        public long Steps { get; private set; }

        /// <summary>The fused update where it applies (true, the default);
        /// false: the per-tensor ops everywhere.</summary>
        public bool OnePass { get; set; } = true;

        public AdamOptimizer(IReadOnlyList<ParameterGroup> groups, OptimizerOptions o)
        {
            kind = o.Kind;
            beta1 = o.Beta1;
            beta2 = o.Beta2;
            eps = o.Eps;
            this.groups = groups;
            var all = groups.SelectMany(g => g.Parameters).ToList();
            foreach (var same in all.GroupBy(kp => (kp.Parameter.device.ToString(), kp.Parameter.dtype)))
            {
                var total = same.Sum(kp => kp.Parameter.numel());
                var first = same.First().Parameter;
                var m = zeros(new[] { total }, first.dtype, first.device).DetachFromDisposeScope();
                var v = zeros(new[] { total }, first.dtype, first.device).DetachFromDisposeScope();
                buffers.Add(m);
                buffers.Add(v);
                long offset = 0;
                foreach (var (key, p) in same)
                {
                    var n = p.numel();
                    moments[key] = (m.narrow(0, offset, n).view(p.shape).DetachFromDisposeScope(), v.narrow(0, offset, n).view(p.shape).DetachFromDisposeScope());
                    offset += n;
                }
            }
        }

        /// <summary>One update of every parameter that has a gradient,
        /// at each group's base rate times <paramref name="factor"/>.</summary>
        public void Step(double factor)
        {
            Steps++;
            var scalars = new List<Scalar>();
            Scalar S(double v) { var s = v.ToScalar(); scalars.Add(s); return s; }
            double bc1 = 1 - Math.Pow(beta1, Steps), bc2 = 1 - Math.Pow(beta2, Steps);
            double rhoInf = 2 / (1 - beta2) - 1, rho = rhoInf - 2 * Steps * Math.Pow(beta2, Steps) / bc2;
            var rectified = rho > 5;
            var rectification = rectified ? Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho)) : 1;
            var fused = new List<(Tensor P, Tensor G, Tensor M, Tensor V, AdamUpdate.Coefficients C)>();
            try
            {
                using var _ = NewDisposeScope();
                using var __ = no_grad();
                foreach (var g in groups)
                {
                    var lr = g.Lr * factor;
                    double decay = 1 - lr * g.WeightDecay, biasScale = kind == OptimizerKind.AdamW ? 1 / Math.Sqrt(bc2) : Math.Sqrt(bc2);
                    var step = kind == OptimizerKind.AdamW ? -lr / bc1 : -lr * rectification / bc1;
                    foreach (var (key, p) in g.Parameters)
                    {
                        if (p.grad is not { } grad) continue;
                        var (m, v) = moments[key];
                        if (OnePass && Fusable(p, grad))
                        {
                            fused.Add((p, grad, m, v, new AdamUpdate.Coefficients
                            {
                                AdamW = kind == OptimizerKind.AdamW,
                                Rectified = rectified,
                                Decay = (float)decay,
                                WeightDecay = (float)g.WeightDecay,
                                Beta1 = (float)beta1,
                                OneMinusBeta1 = (float)(1 - beta1),
                                Beta2 = (float)beta2,
                                OneMinusBeta2 = (float)(1 - beta2),
                                Eps = (float)eps,
                                BiasScale = (float)biasScale,
                                Step = (float)step,
                            }));
                            continue;
                        }
                        if (kind == OptimizerKind.AdamW) p.mul_(S(decay));
                        else if (g.WeightDecay != 0) grad = grad.add(p.mul(S(g.WeightDecay)));
                        m.mul_(S(beta1)).add_(grad.mul(S(1 - beta1)));
                        v.mul_(S(beta2)).add_(grad.mul(grad).mul_(S(1 - beta2)));
                        if (kind == OptimizerKind.AdamW)
                            p.add_(m.div(Sqrt(v).mul_(S(biasScale)).add_(S(eps))).mul_(S(step)));
                        else if (rectified)
                            p.add_(m.mul(Sqrt(v).add_(S(eps)).reciprocal_().mul_(S(biasScale))).mul_(S(step)));
                        else p.add_(m.mul(S(step)));
                    }
                }
                if (fused.Count > 0) RunFused(fused);
            }
            finally
            {
                foreach (var s in scalars) s.Dispose();
            }
        }

        /// <summary>The correctly rounded square root, as the one-pass update takes it:
        /// libtorch's CPU float32 sqrt is not (a fifth of the values one ulp off, measured);
        /// its float64 sqrt rounded to float32 is.</summary>
        private static Tensor Sqrt(Tensor v) =>
            v.device_type == DeviceType.CPU && v.dtype == ScalarType.Float32 ? v.to(ScalarType.Float64).sqrt().to(ScalarType.Float32) : v.sqrt();

        private static bool Fusable(Tensor p, Tensor grad) =>
            p.device_type == DeviceType.CPU && p.dtype == ScalarType.Float32 && grad.dtype == ScalarType.Float32
            && p.is_contiguous() && grad.is_contiguous() && p.numel() * sizeof(float) <= int.MaxValue;

        /// <summary>Every fused parameter cut into chunks, the chunks spread over torch's thread count.</summary>
        private static unsafe void RunFused(List<(Tensor P, Tensor G, Tensor M, Tensor V, AdamUpdate.Coefficients C)> work)
        {
            var chunks = new List<(nint P, nint G, nint M, nint V, long N, int Item)>();
            for (var k = 0; k < work.Count; k++)
            {
                var (p, g, m, v, _) = work[k];
                float* pp = Pointer(p), gp = Pointer(g), mp = Pointer(m), vp = Pointer(v);
                var n = p.numel();
                for (long start = 0; start < n; start += Chunk)
                    chunks.Add(((nint)(pp + start), (nint)(gp + start), (nint)(mp + start), (nint)(vp + start), Math.Min(Chunk, n - start), k));
            }
            void Body(int i)
            {
                var c = chunks[i];
                AdamUpdate.Run((float*)c.P, (float*)c.G, (float*)c.M, (float*)c.V, c.N, work[c.Item].C);
            }
            var threads = get_num_threads();
            if (threads <= 1 || chunks.Count == 1) for (var i = 0; i < chunks.Count; i++) Body(i);
            else System.Threading.Tasks.Parallel.For(0, chunks.Count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = threads }, Body);
        }

        private static unsafe float* Pointer(Tensor t) =>
            (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(t.bytes));

        /// <summary>The moments as named tensors (optim.m.&lt;key&gt;,
        /// optim.v.&lt;key&gt;) for a checkpoint.</summary>
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
            foreach (var b in buffers) b.Dispose();
        }
    }
}
