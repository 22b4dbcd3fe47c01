using System;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// 16-bit tokens as their bit patterns: float32 rounded to them (nearest even, as torch's .to() rounds), widened
    /// back exactly, and their non-finite values found (an all-ones exponent: Inf, NaN, or a float32 too large for
    /// float16).
    /// </summary>
    public static class TokenBits
    {
        public static void Narrow(ReadOnlySpan<float> source, Span<ushort> target, TokenDtype dtype)
        {
            if (dtype == TokenDtype.Float16)
            {
                for (var i = 0; i < source.Length; i++) target[i] = BitConverter.HalfToUInt16Bits((Half)source[i]);
            }
            else
            {
                for (var i = 0; i < source.Length; i++)
                {
                    var bits = BitConverter.SingleToUInt32Bits(source[i]);
                    target[i] = float.IsNaN(source[i]) ? (ushort)((bits >> 16) | 0x40) : (ushort)((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
                }
            }
        }

        public static unsafe void Widen(ReadOnlySpan<ushort> source, Span<float> target, TokenDtype dtype)
        {
            fixed (ushort* s = source)
            fixed (float* t = target)
            {
                if (dtype == TokenDtype.Float16) Blocks.Simd.Widen.Float16(s, t, source.Length);
                else Blocks.Simd.Widen.BFloat16(s, t, source.Length);
            }
        }

        /// <summary>The index of the first Inf or NaN, or -1.</summary>
        public static int FirstNonFinite(ReadOnlySpan<ushort> values, TokenDtype dtype)
        {
            var exponent = dtype == TokenDtype.Float16 ? (ushort)0x7c00 : (ushort)0x7f80;
            for (var i = 0; i < values.Length; i++)
                if ((values[i] & exponent) == exponent) return i;
            return -1;
        }

        /// <summary>A flat CPU tensor of <paramref name="count"/> 16-bit tokens of <paramref name="dtype"/>, for the
        /// loader to write into through <see cref="Of"/>; the batch owns it (outside any dispose scope) until it is
        /// released.</summary>
        public static TorchSharp.torch.Tensor Tensor(long count, TokenDtype dtype) =>
            TorchSharp.torch.empty(new[] { count }, dtype == TokenDtype.Float16 ? TorchSharp.torch.ScalarType.Float16 : TorchSharp.torch.ScalarType.BFloat16)
                .DetachFromDisposeScope();

        /// <summary>The bit patterns of a contiguous 16-bit CPU tensor, in place.</summary>
        public static Span<ushort> Of(TorchSharp.torch.Tensor tokens) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(tokens.bytes);

        /// <summary>The largest finite value of a 16-bit type, for error messages.</summary>
        public static string Largest(TokenDtype dtype) => dtype == TokenDtype.Float16 ? "65504" : "3.39e38";
    }
}
