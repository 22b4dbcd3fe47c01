using TorchSharp;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// Scalars the blocks pass to native ops, created once. TorchSharp 0.107 hands a Scalar's handle to native
    /// code without keeping the Scalar alive, so an implicit double -> Scalar temporary can be finalized by a
    /// garbage collection in the middle of the call; a static Scalar is never collected.
    /// </summary>
    internal static class Constants
    {
        /// <summary>The LayerNorm epsilon of every norm (PyTorch's default),
        /// also folded into the fused pre-norm.</summary>
        public const double LayerNormEps = 1e-5;

        public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
        public static readonly Scalar One = 1.0.ToScalar();
        public static readonly Scalar Fifty = 50.0.ToScalar();
        public static readonly Scalar NormEps = LayerNormEps.ToScalar();
    }
}
