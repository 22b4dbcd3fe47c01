namespace DeepCoro.Runtime.Blocks.Simd
{
    /// <summary>
    /// The vector operations the one-pass kernel needs, over a register of <see cref="Count"/> floats. The kernel is
    /// written once, generic over a struct implementing this, and the JIT specialises it per width (AVX-512,
    /// AVX2 + FMA, scalar) with every call inlined.
    /// </summary>
    internal unsafe interface ILanes<TV> where TV : struct
    {
        static abstract int Count { get; }

        static abstract TV Zero { get; }

        static abstract TV Load(float* p);

        static abstract void Store(float* p, TV v);

        static abstract TV Splat(float x);

        /// <summary>a * b + c, fused where the hardware has it.</summary>
        static abstract TV MulAdd(TV a, TV b, TV c);

        static abstract TV Mul(TV a, TV b);

        static abstract float Sum(TV v);
    }
}
