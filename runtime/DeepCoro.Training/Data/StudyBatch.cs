namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// One batch as plain arrays (tensors are made on the training thread, inside its dispose scope):
    /// X [B, N, L, D] (or [B, N, D]), Mask [B, N] (True = a real video, False = padding), ViewIds [B, N] or null,
    /// Labels [B, heads] (NaN = missing for that head). X is rented from a pool and may be longer than the
    /// batch: <see cref="Values"/> is the batch; <see cref="Release"/> hands it back once no tensor uses it.
    /// With 16-bit tokens (<see cref="Dtype"/> float16 or bfloat16) the tokens are in <see cref="X16"/>, a CPU
    /// tensor of that dtype the loader reads the files into (the model takes it as it is: no copy into torch), and X
    /// is empty.
    /// </summary>
    public sealed record StudyBatch(Study[] Studies, float[] X, long[] Shape, bool[] Mask, long[]? ViewIds, double[] Labels, int Heads)
    {
        public int Size => Studies.Length;

        public TokenDtype Dtype { get; init; } = TokenDtype.Float32;

        /// <summary>The 16-bit tokens, flat, when <see cref="Dtype"/> is not float32, else null.</summary>
        public TorchSharp.torch.Tensor? X16 { get; init; }

        public long Elements => System.Linq.Enumerable.Aggregate(Shape, 1L, (a, b) => a * b);

        /// <summary>The float32 batch (with 16-bit tokens X is empty: read <see cref="X16"/>).</summary>
        public System.Span<float> Values => System.MemoryExtensions.AsSpan(X, 0, (int)Elements);

        public void Release()
        {
            if (X16 is { } bits) bits.Dispose();
            else System.Buffers.ArrayPool<float>.Shared.Return(X);
        }
    }

}
