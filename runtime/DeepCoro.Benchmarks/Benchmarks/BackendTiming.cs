namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// One backend's forward per video in `bench --encoder --forward`: the median over the timed rounds, and the
    /// largest absolute difference of its tokens from TorchSharp's on the same frames; or, when it could not run,
    /// why (<see cref="Skipped"/>).
    /// </summary>
    public sealed record BackendTiming(string Backend, string Runtime, double? MedianMs, double? MaxAbsDiff, string? Skipped);
}
