using System;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Sample indices sorted by value, highest first, cut into groups of equal values (ties). Sorted once per
    /// evaluation: the metrics and every bootstrap resample walk it with their own sample weights.
    /// </summary>
    public sealed class Ranking
    {
        /// <summary>Sample indices, highest value first.</summary>
        public int[] Order { get; }

        /// <summary>The exclusive end (in <see cref="Order"/>) of each tie group.</summary>
        public int[] GroupEnd { get; }

        /// <summary>The value shared by each tie group.</summary>
        public double[] GroupValue { get; }

        public Ranking(double[] values)
        {
            Order = new int[values.Length];
            for (var i = 0; i < Order.Length; i++) Order[i] = i;
            var keys = new double[values.Length];
            for (var i = 0; i < keys.Length; i++) keys[i] = -values[i];
            Array.Sort(keys, Order);
            var groups = 0;
            for (var k = 0; k < keys.Length; k++) if (k == 0 || keys[k] != keys[k - 1]) groups++;
            GroupEnd = new int[groups];
            GroupValue = new double[groups];
            for (int k = 0, g = -1; k < keys.Length; k++)
            {
                if (k == 0 || keys[k] != keys[k - 1]) GroupValue[++g] = values[Order[k]];
                GroupEnd[g] = k + 1;
            }
        }
    }
}
