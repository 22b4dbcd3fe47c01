using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Bootstrap confidence intervals of the reported metrics (the reference's ci_confidence_level, ci_n_bootstrap):
    /// percentile intervals at <see cref="Level"/> over <see cref="Resamples"/> resamples; 0 resamples = none.
    /// </summary>
    [GenerateWith]
    public sealed partial record IntervalOptions
    {
        public double Level { get; init; } = 0.95;
        public int Resamples { get; init; } = 1000;

        public bool Enabled => Resamples > 0;

        /// <summary>Throws with the config key's name when a value cannot give an interval.</summary>
        public void Check()
        {
            if (!(Level > 0 && Level < 1))
                throw new DeepCoroUserException($"ci_confidence_level: {Level} is not a share strictly between 0 and 1 (e.g. 0.95)");
            if (Resamples < 0)
                throw new DeepCoroUserException($"ci_n_bootstrap: {Resamples} resamples; expected 0 (no intervals) or more (e.g. 1000)");
        }
    }
}
