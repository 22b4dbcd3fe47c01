using System;

namespace DeepCoro.Runtime.Training
{
    /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) with TFRecord's masking.</summary>
    public static class Crc32C
    {
        private static readonly uint[] Table = BuildTable();

        private static uint[] BuildTable()
        {
            var t = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
                t[i] = c;
            }
            return t;
        }

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            var c = 0xFFFFFFFFu;
            foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
            return c ^ 0xFFFFFFFFu;
        }

        public static uint Masked(ReadOnlySpan<byte> data)
        {
            var c = Compute(data);
            return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
        }
    }
}
