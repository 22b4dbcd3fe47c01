namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Created: the search proposed a trial's values. Invalid: its config was rejected before launch.
    /// Started: an agent claimed an attempt. Epoch: the attempt logged the metric.
    /// Ended: the attempt finished, was stopped or failed. Requeued: its agent died;
    /// it waits for another. Interrupted: its agent was stopped; it waits for another.
    /// </summary>
    public enum TrialEventKind { Created, Invalid, Started, Epoch, Ended, Requeued, Interrupted }
}
