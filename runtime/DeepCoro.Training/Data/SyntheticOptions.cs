namespace DeepCoro.Runtime.Data
{
    /// <summary>Size and shape of a synthetic dataset.</summary>
    public sealed record SyntheticOptions
    {
        public int Studies { get; init; } = 300;
        public int Seed { get; init; } = 1;
        public int Dim { get; init; } = 64;
        public int Tokens { get; init; } = 16;
        public int MaxVideos { get; init; } = 4;
        /// <summary>Share of studies whose label is left empty, per head independently.</summary>
        public double MissingFraction { get; init; } = 0.1;
        /// <summary>What the labels depend on; the order and average cohorts
        /// have one binary head, label, and a PatientID column.</summary>
        public SyntheticCohort Cohort { get; init; } = SyntheticCohort.Planted;
    }
}
