namespace DeepCoro.Runtime.Report
{
    /// <summary>One study's labels (NaN = missing) and scores per head, from an evaluation pass or a predictions
    /// file.</summary>
    public sealed record StudyScores(string Id, double[] Labels, double[][] Scores)
    {
        /// <summary>Per head a survival head's event (1 event, 0 censored; its label is the time), NaN for other
        /// heads; null when the caller has none (survival heads then get no subgroup metrics).</summary>
        public double[]? Events { get; init; }
    }
}
