namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// One batch as plain arrays (tensors are made on the training thread, inside its dispose scope):
    /// X [B, N, L, D] (or [B, N, D]), Mask [B, N] (True = a real video, False = padding), ViewIds [B, N] or null,
    /// Labels [B, heads] (NaN = missing for that head). X is rented from a pool and may be longer than the
    /// batch: <see cref="Values"/> is the batch; <see cref="Release"/> hands it back once no tensor uses it.
    /// </summary>
    public sealed record StudyBatch(Study[] Studies, float[] X, long[] Shape, bool[] Mask, long[]? ViewIds, double[] Labels, int Heads)
    {
        public int Size => Studies.Length;

        public System.Span<float> Values => System.MemoryExtensions.AsSpan(X, 0, (int)System.Linq.Enumerable.Aggregate(Shape, 1L, (a, b) => a * b));

        public void Release() => System.Buffers.ArrayPool<float>.Shared.Return(X);
    }

}
