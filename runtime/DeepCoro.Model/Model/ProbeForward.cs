using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// The part of a probe's forward pass that the IR-built <see cref="MilModel"/> and generated modules share,
    /// so the two front doors cannot drift apart: view embedding, then the pooling plan. Heads are the caller's.
    /// </summary>
    public static class ProbeForward
    {
        /// <summary>The pooled vector [B, W] of an input already checked by <see cref="InputGuard"/>.</summary>
        public static Tensor Pool(IReadOnlyList<PoolingStep> plan, Embedding? viewEmbedding, ModelInput input, bool training)
        {
            var x = input.X;
            if (viewEmbedding is not null && input.ViewIds is { } ids)
            {
                // One embedding per instance [B, N, D], broadcast over the instance's inner axes.
                var e = viewEmbedding.forward(ids.to(ScalarType.Int64));
                x = x + e.reshape(e.shape.Take(2).Concat(Enumerable.Repeat(1L, (int)x.dim() - 3)).Append(e.shape[2]).ToArray());
            }
            return PoolingPlan.Run(plan, x, input.Mask, training);
        }
    }
}
