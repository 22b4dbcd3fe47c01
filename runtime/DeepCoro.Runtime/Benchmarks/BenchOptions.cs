using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    public sealed record BenchOptions(int Batch, int Videos, int Tokens, int Steps, int Warmup, Device Device, int Seed = 0);
}
