using System.Collections.Generic;
using System.Diagnostics;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// What this machine can do, measured in the run that uses it: the multiply-add rate of a 2048^2 float32 GEMM
    /// through torch.matmul (2048^3 multiply-adds) and the memory read bandwidth of a sum over 128 MiB, each the
    /// median of five after a warm-up, at torch's current thread count.
    /// </summary>
    public sealed record MachineLimits(double MultiplyAddsPerSecond, double BytesPerSecond)
    {
        private const int Side = 2048;
        private const long Floats = 32L << 20;

        public static MachineLimits Measure()
        {
            using var scope = NewDisposeScope();
            var a = randn(Side, Side);
            var b = randn(Side, Side);
            var gemm = Median(() => { using var c = a.matmul(b); });
            var big = ones(Floats);
            var read = Median(() => { using var s = big.sum(); s.item<float>(); });
            return new MachineLimits((double)Side * Side * Side / gemm, Floats * sizeof(float) / read);
        }

        private static double Median(System.Action step)
        {
            step();
            var times = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var sw = Stopwatch.StartNew();
                step();
                times.Add(sw.Elapsed.TotalSeconds);
            }
            times.Sort();
            return times[times.Count / 2];
        }
    }
}
