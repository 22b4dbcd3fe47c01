using DeepCoro.Runtime.Data;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// One timed training epoch from disk (<see cref="EpochBenchmark"/>): its studies and videos, the bytes of its
    /// token files, the wall time and rate, and the rates two floors allow under the same run's
    /// <see cref="MachineLimits"/>: compute-bound (the cls attention's multiply-adds forward and backward at the
    /// peak rate) and practical (per batch, max(arithmetic, token read) forward and backward plus AdamW's bytes).
    /// </summary>
    public sealed record EpochBenchResult(
        TokenDtype Dtype, int Studies, int Videos, long FileBytes, int Batches, double Seconds,
        double StudiesPerSecond, double ComputeBoundStudiesPerSecond, double PracticalStudiesPerSecond, MachineLimits Limits);
}
