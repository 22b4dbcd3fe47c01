using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepCoro.Runtime.Blocks.Simd
{
    /// <summary>
    /// 16-bit floats (IEEE half or bfloat16, as their bit patterns) to float32, exactly: eight at a time with AVX2,
    /// else one at a time. Half uses the exponent-rebias conversion (F. Giesen's half_to_float_fast): subnormals are
    /// renormalised through one float subtraction, infinities and NaNs keep an all-ones exponent.
    /// </summary>
    internal static unsafe class Widen
    {
        public static void Float16(ushort* source, float* target, int count)
        {
            var i = 0;
            if (Avx2.IsSupported)
            {
                var low = Vector256.Create(0x7fffu);
                var sign = Vector256.Create(0x8000u);
                var exponent = Vector256.Create(0x7c00u << 13);
                var rebias = Vector256.Create((127u - 15u) << 23);
                var one = Vector256.Create(1u << 23);
                var magic = Vector256.Create(113u << 23).AsSingle();
                for (; i <= count - 8; i += 8)
                {
                    var h = Avx2.ConvertToVector256Int32(Vector128.Load(source + i)).AsUInt32();
                    var o = (h & low) << 13;
                    var e = o & exponent;
                    o += rebias;
                    o += Vector256.Equals(e, exponent) & rebias;
                    var subnormal = (o + one).AsSingle() - magic;
                    o = Vector256.ConditionalSelect(Vector256.Equals(e, Vector256<uint>.Zero), subnormal.AsUInt32(), o);
                    (o | ((h & sign) << 16)).AsSingle().Store(target + i);
                }
            }
            for (; i < count; i++) target[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
        }

        public static void BFloat16(ushort* source, float* target, int count)
        {
            var i = 0;
            if (Avx2.IsSupported)
            {
                for (; i <= count - 8; i += 8)
                    (Avx2.ConvertToVector256Int32(Vector128.Load(source + i)).AsUInt32() << 16).AsSingle().Store(target + i);
            }

            for (; i < count; i++) target[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
        }
    }
}
