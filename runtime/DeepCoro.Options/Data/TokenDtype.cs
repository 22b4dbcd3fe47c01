namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// How tokens are held from the files to the cls kernel (`data.token_dtype`): float32, or one of the 16-bit
    /// types, which halve the bytes every read of the tokens moves (page cache, loader batches, the kernel's passes).
    /// The one-pass kernel widens 16-bit tokens to float32 as it reads them; every other path converts the batch to
    /// float32 first (docs/performance.md, "Half-precision tokens").
    /// </summary>
    public enum TokenDtype
    {
        Float32,

        /// <summary>IEEE half: 11 significant bits, finite values up to 65504.</summary>
        Float16,

        /// <summary>bfloat16: float32's range, 8 significant bits.</summary>
        BFloat16,
    }
}
