using DeepCoro.Runtime.Video;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>A video that could not be used, and why (unreadable, too short).</summary>
    public sealed record VideoFailure(VideoItem Video, string Reason);
}
