using System;
using System.Linq;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// The layout of a video's tokens as [T, H, W] (MViT-v2-S: [8, 7, 7]); the video's L tokens are T x H x W, or
    /// one more in front (the encoder's own class token: 393 = 1 + 8 x 7 x 7).
    /// </summary>
    public sealed record TokenGrid(int T, int H, int W)
    {
        public int Cells => T * H * W;

        /// <summary>"8,7,7" (also "8x7x7" or "[8, 7, 7]").</summary>
        public static TokenGrid Parse(string text, string source)
        {
            var parts = text.Trim('[', ']', ' ').Split(new[] { ',', 'x', ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !parts.All(p => int.TryParse(p, out var v) && v > 0))
                throw new DataException($"{source}: '{text}' is not a token grid; expected three positive sizes T,H,W such as 8,7,7");
            var v = parts.Select(int.Parse).ToArray();
            return new TokenGrid(v[0], v[1], v[2]);
        }

        /// <summary>Tokens in front of the grid for <paramref name="tokens"/> tokens (0 or 1), or null when the grid
        /// does not fit.</summary>
        public int? Leading(int tokens) => tokens == Cells ? 0 : tokens == Cells + 1 ? 1 : null;

        public override string ToString() => $"[{T}, {H}, {W}]";
    }
}
