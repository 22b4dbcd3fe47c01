using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Data;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>One kernel's figures: medians in ms, the process's peak RSS while it ran, and what the steps added to
    /// it; the floors the machine's measured limits put under the eval forward and the training step (see
    /// <see cref="ProbeBenchmark"/>), and the vector width the one-pass kernel runs.</summary>
    public sealed record BenchResult(
        ClsKernel Kernel, string Device, int Threads, int Batch, int Videos, int Tokens, int Dim,
        double TrainStepMs, double EvalMs, double ReadFloorMs, double PeakRssMb, double StepExtraMb,
        MachineLimits Limits, double EvalFloorMs, double TrainFloorMs, string Simd, TokenDtype TokenDtype = TokenDtype.Float32)
    {
        /// <summary>The one-pass kernel alone on the input level (fused kernel on the CPU), else null.</summary>
        public OnePassTiming? OnePass { get; init; }
    }
}
