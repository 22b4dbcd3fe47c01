namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// SplitMix64, a small fast generator for the bootstrap's
    /// draws (System.Random with a seed runs the slow legacy algorithm;
    /// a resample draws as many indices as there are samples), with Lemire's multiply-shift for a bounded draw.
    /// </summary>
    internal struct SplitMix64
    {
        private ulong state;

        public SplitMix64(int seed) { state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL; }

        public ulong Next()
        {
            unchecked
            {
                var z = state += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
        }

        /// <summary>Uniform in [0, n) up to a bias below n / 2^32 (n is a sample count, far below 2^32).</summary>
        public int Below(int n) => (int)(((Next() >> 32) * (ulong)n) >> 32);
    }
}
