using DeepCoro.Runtime.Video;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>One video's file: where it is, its shape, and how many
    /// frames the video gave (0 when kept from an earlier run).</summary>
    public sealed record EncodedVideo(VideoItem Video, string File, long[] Shape, int FramesRead);
}
