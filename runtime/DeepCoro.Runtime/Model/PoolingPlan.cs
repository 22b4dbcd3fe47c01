using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>One executable step of a pooling hierarchy, built from the IR by <see cref="MilModel"/> or by
    /// generated code.</summary>
    public abstract record PoolingStep
    {
        /// <summary>Pools the innermost remaining axis; <paramref name="Masked"/> when that axis is the one the mask
        /// covers.</summary>
        public sealed record Level(IInstancePool Pool, bool Masked) : PoolingStep;

        /// <summary>Runs each branch on the same input and concatenates the results along the features.</summary>
        public sealed record Concat(IReadOnlyList<IReadOnlyList<PoolingStep>> Branches) : PoolingStep;
    }

    public static class PoolingPlan
    {
        /// <summary>Runs the steps over x [B, axes..., W]; mask [B, axes[0]] (bool, True = valid) or null.</summary>
        public static Tensor Run(IReadOnlyList<PoolingStep> steps, Tensor x, Tensor? mask, bool training)
        {
            foreach (var step in steps)
            {
                x = step switch
                {
                    PoolingStep.Level level => ReduceInnermost(level.Pool, x, level.Masked ? mask : null, training),
                    PoolingStep.Concat concat => cat(concat.Branches.Select(b => Run(b, x, mask, training)).ToArray(), -1),
                    _ => throw new System.InvalidOperationException("unknown pooling step"),
                };
            }
            return x;
        }

        /// <summary>[B, ..., S, W] -> [M, S, W] (a view), pool, -> [B, ..., W].</summary>
        private static Tensor ReduceInnermost(IInstancePool pool, Tensor x, Tensor? valid, bool training)
        {
            var shape = x.shape;
            int rank = shape.Length;
            long s = shape[rank - 2], w = shape[rank - 1];
            var pooled = pool.Pool(x.reshape(-1, s, w), valid, training);
            var outShape = shape.Take(rank - 2).Concat(new[] { pooled.shape[1] }).ToArray();
            return pooled.reshape(outShape);
        }
    }
}
