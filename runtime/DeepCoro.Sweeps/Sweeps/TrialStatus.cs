namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Pending: created, waiting for an agent (new, interrupted, or re-queued after its agent died). Running: an agent
    /// has claimed it. Finished, Stopped (by hyperband), Failed (crash, OOM, no metric, its agent died twice) and
    /// Invalid (rejected before launch) are final.
    /// </summary>
    public enum TrialStatus { Pending, Running, Finished, Stopped, Failed, Invalid }
}
