namespace DeepCoro.Runtime.Data
{
    /// <summary>What a synthetic dataset's labels depend on (<see cref="SyntheticData"/>).</summary>
    public enum SyntheticCohort
    {
        /// <summary>The planted signal: cathEF and abnormal from latents
        /// carried by a few tokens of relevant videos.</summary>
        Planted,
        /// <summary>A binary label from the order of two tokens within a video and the product of values carried by
        /// two different videos.</summary>
        Order,
        /// <summary>A binary label from the plain average of every token of every video.</summary>
        Average,
    }
}
