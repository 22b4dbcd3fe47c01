
namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// One task's bootstrap timing, medians over repeats of the time for every interval of one head: wall time, and
    /// the process's CPU time (on a shared machine the wall time also counts other processes' turns).
    /// </summary>
    public sealed record IntervalBenchResult(string Task, int Samples, int Resamples, int Threads, double Ms, double CpuMs);
}
