using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <param name="TokenDtype">how the probe's tokens are held (data.token_dtype): 16-bit ones halve the bytes each
    /// pass reads, and the floors count them so.</param>
    public sealed record BenchOptions(int Batch, int Videos, int Tokens, int Steps, int Warmup, Device Device, int Seed = 0,
        Data.TokenDtype TokenDtype = Data.TokenDtype.Float32);
}
