namespace DeepCoro.Runtime.Training
{
    /// <summary>What the end of an accumulation group did.</summary>
    public enum UpdateOutcome
    {
        /// <summary>The optimizer stepped.</summary>
        Stepped,

        /// <summary>Skipped: the gradient norm was not finite.</summary>
        NonFiniteGradient,

        /// <summary>Skipped: every batch of the group had a non-finite loss,
        /// so there was nothing to step on.</summary>
        NoFiniteBatch,
    }
}
