using System;

namespace DeepCoro.Runtime
{
    /// <summary>The project's deterministic randomness: derived seeds,
    /// and standard normal draws from a seeded Random.</summary>
    public static class Seeding
    {
        /// <summary>
        /// A well-spread 31-bit seed from a base seed and two indices (epoch and study, trial and purpose), so that
        /// each draw depends on nothing else; HashCode is randomised per process, so not that.
        /// </summary>
        public static int Mix(int seed, int a, int b)
        {
            unchecked
            {
                var h = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)a * 0xC2B2AE3D27D4EB4FUL ^ (ulong)(uint)b * 0x165667B19E3779F9UL;
                h ^= h >> 31; h *= 0xBF58476D1CE4E5B9UL; h ^= h >> 29;
                return (int)(h & 0x7FFFFFFF);
            }
        }

        /// <summary>A standard normal draw (Box-Muller).</summary>
        public static double Gaussian(Random rng) =>
            Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
    }
}
