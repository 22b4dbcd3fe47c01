using System;

namespace DeepCoro.Runtime.Video
{
    /// <summary>A video that cannot be used: the message names the
    /// file (and its CSV row where it came from one).</summary>
    public sealed class VideoException : Exception
    {
        public VideoException(string message) : base(message) { }
    }
}
