using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// `bench --encoder E --forward`: the forward of one video (batch 1, the encoder's exported input) through each
    /// backend, timed in the same rounds, with the machine's load average (/proc/loadavg: 1, 5, 15 minutes) before
    /// and after. The first backend is TorchSharp, the one the others are compared with.
    /// </summary>
    public sealed record EncoderForwardResult(
        string Encoder, long[] InputShape, int Threads, int Steps, int Warmup, string LoadBefore, string LoadAfter,
        IReadOnlyList<BackendTiming> Backends)
    {
        /// <summary>A backend's median over TorchSharp's: below 1 it is faster.</summary>
        public double? TimeRatio(BackendTiming b) =>
            b.MedianMs is { } ms && Backends.First().MedianMs is { } reference ? ms / reference : null;
    }
}
