namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>What a run measures about itself each epoch, and when non-finite steps stop it.</summary>
    [GenerateWith]
    public sealed partial record TelemetryOptions
    {
        /// <summary>
        /// Attention, gradient, cls-token and memory figures per epoch (metrics.jsonl and TensorBoard); off, none of
        /// them. The non-finite guard runs either way.
        /// </summary>
        public bool Enabled { get; init; } = true;

        /// <summary>
        /// Optimizer steps between two gradient samples (per-group gradient norms, update-to-weight ratios, cls-token
        /// norms; a sample reads every gradient and copies the weights), counted from each epoch's first step. The
        /// global gradient norm and the clipped share count every step.
        /// </summary>
        public int SampleEvery { get; init; } = 50;

        /// <summary>
        /// Optimizer steps in a row skipped for a non-finite loss or gradient after which the run stops (the last
        /// checkpoint, written at the end of the last good epoch, is kept).
        /// </summary>
        public int MaxConsecutiveSkips { get; init; } = 5;
    }
}
