using System.Collections.Generic;
using DeepCoro.Runtime.Blocks;

namespace DeepCoro.Runtime.Model
{
    /// <summary>One executable step of a pooling hierarchy, built from
    /// the IR by <see cref="MilModel"/> or by generated code.</summary>
    public abstract record PoolingStep
    {
        /// <summary>Pools the innermost remaining axis; <paramref name="Masked"/>
        /// when that axis is the one the mask covers.</summary>
        public sealed record Level(IInstancePool Pool, bool Masked) : PoolingStep;

        /// <summary>Runs each branch on the same input and concatenates the results along the features.</summary>
        public sealed record Concat(IReadOnlyList<IReadOnlyList<PoolingStep>> Branches) : PoolingStep;
    }
}
