namespace DeepCoro.Runtime.Blocks
{
    /// <summary>How a cls-token level computes the cls row of its attention.</summary>
    public enum ClsKernel
    {
        /// <summary>The default: the one-pass SIMD kernel (OnePassClsAttention in DeepCoro.Model: an online softmax
        /// that reads each token once forward and once backward) on CPU float32 tokens; elsewhere, and when an
        /// attention sink asks for the probabilities, <see cref="Batched"/>. Same numbers (golden parity).</summary>
        Fused,

        /// <summary>The reference algorithm: full self-attention over
        /// the S+1 positions, then row 0. For verification.</summary>
        Reference,

        /// <summary>Single-query form through batched matmuls: scores through Wk^T q, values after the weighted
        /// sum, O(S) work but two reads of the tokens forward and two backward. Runs on any device.</summary>
        Batched,
    }
}
