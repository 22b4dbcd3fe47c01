using System.Collections.Generic;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>What a run produced: every usable video's file (new or kept), the failures, and counts.</summary>
    public sealed record EncodingResult(IReadOnlyList<EncodedVideo> Encoded, IReadOnlyList<VideoFailure> Failures, int Written, int Kept, int Padded);
}
