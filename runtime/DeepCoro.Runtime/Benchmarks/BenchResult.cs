using DeepCoro.Runtime.Blocks;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>One kernel's figures: medians in ms, the process's peak RSS while it ran, and what the steps added to
    /// it.</summary>
    public sealed record BenchResult(
        ClsKernel Kernel, string Device, int Threads, int Batch, int Videos, int Tokens, int Dim,
        double TrainStepMs, double EvalMs, double ReadFloorMs, double PeakRssMb, double StepExtraMb);
}
