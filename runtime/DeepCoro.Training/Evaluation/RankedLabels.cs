namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A <see cref="Ranking"/> laid out for weighted walks: per ranked entry its sample and whether it is a positive,
    /// in ranking order (so a walk reads them sequentially and gathers only the weights), and per sample how many of
    /// its entries are positive and negative (one entry per sample, or K for flattened [n, K] scores).
    /// </summary>
    internal sealed class RankedLabels
    {
        public readonly int[] Sample;
        /// <summary>1 for a positive entry, 0 for a negative: the walk adds w x it without a branch.</summary>
        public readonly double[] Positive;
        public readonly int[] GroupEnd;
        public readonly double[] GroupValue;
        public readonly double[] PositivesOf, NegativesOf;

        /// <param name="positive">per entry of the ranked values.</param>
        /// <param name="stride">entry j belongs to sample j / stride.</param>
        public RankedLabels(Ranking ranking, bool[] positive, int stride)
        {
            int entries = ranking.Order.Length, samples = entries / stride;
            Sample = new int[entries];
            Positive = new double[entries];
            for (var k = 0; k < entries; k++)
            {
                var j = ranking.Order[k];
                Sample[k] = j / stride;
                Positive[k] = positive[j] ? 1 : 0;
            }
            GroupEnd = ranking.GroupEnd;
            GroupValue = ranking.GroupValue;
            PositivesOf = new double[samples];
            NegativesOf = new double[samples];
            for (var j = 0; j < entries; j++)
                if (positive[j]) PositivesOf[j / stride]++; else NegativesOf[j / stride]++;
        }
    }
}
