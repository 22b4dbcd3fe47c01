using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// 16-bit tokens (`data.token_dtype` float16 or bfloat16) reach the pools as they are; only the one-pass cls
    /// kernel reads them directly. Every other block converts them here first, so its arithmetic and its output
    /// stay float32 as the layers after it expect.
    /// </summary>
    internal static class TokenPrecision
    {
        public static Tensor Float32(Tensor x) =>
            x.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? x.to(ScalarType.Float32) : x;
    }
}
