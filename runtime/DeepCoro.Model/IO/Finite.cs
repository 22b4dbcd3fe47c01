using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO
{
    /// <summary>Whether tensors read from files are usable: NaN or
    /// an infinity in weights or inputs only spreads.</summary>
    public static class Finite
    {
        /// <summary>True when every element is finite (integer and bool tensors always are).</summary>
        public static bool All(Tensor t)
        {
            if (!t.is_floating_point()) return true;
            using var _ = NewDisposeScope();
            return t.isfinite().all().item<bool>();
        }
    }
}
