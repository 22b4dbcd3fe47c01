using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
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
            var rank = shape.Length;
            long s = shape[rank - 2], w = shape[rank - 1];
            var pooled = pool.Pool(x.reshape(-1, s, w), valid, training);
            var outShape = shape.Take(rank - 2).Concat(new[] { pooled.shape[1] }).ToArray();
            return pooled.reshape(outShape);
        }
    }
}
