namespace DeepCoro.Runtime.Blocks
{
    /// <summary>How a cls-token level computes the cls row of its attention.</summary>
    public enum ClsKernel
    {
        /// <summary>Single-query form: scores through Wk^T q, values after the weighted sum. Same numbers, O(S)
        /// work.</summary>
        Fused,

        /// <summary>The reference algorithm: full self-attention over the S+1 positions, then row 0. For
        /// verification.</summary>
        Reference,
    }
}
