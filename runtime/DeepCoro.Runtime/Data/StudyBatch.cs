namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// One batch as plain arrays (tensors are made on the training thread, inside its dispose scope):
    /// X [B, N, L, D] (or [B, N, D]), Mask [B, N] (True = a real video, False = padding), ViewIds [B, N] or null,
    /// Labels [B, heads] (NaN = missing for that head).
    /// </summary>
    public sealed record StudyBatch(Study[] Studies, float[] X, long[] Shape, bool[] Mask, long[]? ViewIds, double[] Labels, int Heads)
    {
        public int Size => Studies.Length;
    }

    /// <summary>A study and the indices of the videos taken from it for one pass.</summary>
    public readonly record struct Pick(Study Study, int[] Videos);
}
