using System.Collections.Generic;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// `deepcoro embed`: which videos (a reference CSV's column, or files), which encoder, how frames are sampled
    /// (null: what the encoder was exported for; mean and std: computed as the reference computes them), where the
    /// files go, and which share of the videos this run takes (<see cref="Shard"/> of <see cref="Shards"/>).
    /// </summary>
    public sealed record EmbedOptions
    {
        public required string Encoder { get; init; }
        public required string OutputDirectory { get; init; }
        public string? Csv { get; init; }
        /// <summary>The CSV's video column: the reference's datapoint_loc_label.</summary>
        public string Column { get; init; } = "FileName";
        public string Separator { get; init; } = Video.VideoList.ReferenceSeparator;
        /// <summary>Where relative CSV paths start, and the root of the folders
        /// --keep-folders mirrors (default: the CSV's folder).</summary>
        public string? Root { get; init; }
        public string? Split { get; init; }
        public IReadOnlyList<string> Files { get; init; } = new List<string>();
        public int? Frames { get; init; }
        public int Stride { get; init; } = 1;
        public bool FixedStride { get; init; }
        public int? Resize { get; init; }
        public double? Mean { get; init; }
        public double? Std { get; init; }
        /// <summary>The reference's statistics batch, max(1, min(batch_size, 4)) videos.</summary>
        public int StatisticsVideos { get; init; } = 4;
        public int Batch { get; init; } = 1;
        public int DecodeThreads { get; init; } = 2;
        public int MinFrames { get; init; } = 1;
        public int Shard { get; init; }
        public int Shards { get; init; } = 1;
        public bool Resume { get; init; }
        /// <summary>Mirror each video's folder below the root in the
        /// output (for datasets whose file stems repeat).</summary>
        public bool KeepFolders { get; init; }
        public bool Half { get; init; } = true;
        public string Device { get; init; } = "cpu";
        /// <summary>What runs the encoder; null: the file's extension decides (.onnx: ONNX Runtime, else
        /// TorchScript).</summary>
        public EncoderBackend? Backend { get; init; }
        public int Seed { get; init; }
    }
}
