using System.Collections.Generic;
using DeepCoro.Runtime.Video;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// One run of an encoder over videos, one file per video: the encoder's tokens (<see cref="Cut"/> null) or its
    /// hidden tokens at a cut (a frozen prefix), stored as the tensor "embedding" in float16 or float32 safetensors.
    /// </summary>
    public sealed record EncodingRequest
    {
        public required IReadOnlyList<VideoItem> Videos { get; init; }
        /// <summary>Each video's file, relative to <see cref="OutputDirectory"/>
        /// (see <see cref="EmbeddingNames"/>).</summary>
        public required IReadOnlyDictionary<VideoItem, string> Files { get; init; }
        public required string OutputDirectory { get; init; }
        public required FrameSampling Sampling { get; init; }
        public EncoderCut? Cut { get; init; }
        public bool Half { get; init; } = true;
        /// <summary>Videos per encoder call.</summary>
        public int Batch { get; init; } = 1;
        public int DecodeThreads { get; init; } = 2;
        /// <summary>Videos with fewer frames (after the stride) are reported as too short; shorter ones are padded
        /// with their last frame, as the reference does.</summary>
        public int MinFrames { get; init; } = 1;
        /// <summary>Seed and pass of the random stride draws.</summary>
        public int Seed { get; init; }
        public int Pass { get; init; }
        public ExistingFiles Existing { get; init; } = ExistingFiles.Refuse;
    }
}
