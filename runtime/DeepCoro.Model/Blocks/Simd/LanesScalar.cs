using System.Runtime.CompilerServices;

namespace DeepCoro.Runtime.Blocks.Simd
{
    /// <summary>One float per "register": the path for CPUs without AVX2 + FMA.</summary>
    internal readonly unsafe struct LanesScalar : ILanes<float>
    {
        public static int Count => 1;

        public static float Zero => 0f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load(float* p) => *p;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(float* p, float v) => *p = v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Splat(float x) => x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float MulAdd(float a, float b, float c) => a * b + c;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Mul(float a, float b) => a * b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(float v) => v;
    }
}
