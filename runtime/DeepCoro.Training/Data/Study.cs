using System.Collections.Generic;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// A study: its videos (or its one study file), its labels per head (NaN = missing for that head only) and,
    /// after the header scan, how many videos it holds.
    /// </summary>
    public sealed class Study
    {
        public required string Id { get; init; }
        public required string Split { get; init; }
        public required List<VideoRef> Videos { get; init; }
        public required double[] Labels { get; init; }
        /// <summary>Per head, a survival head's event indicator (1 event, 0 censored) beside its time in
        /// <see cref="Labels"/>; NaN for other heads and wherever the time is missing.</summary>
        public double[] Events { get; init; } = System.Array.Empty<double>();
        public int FirstLine { get; init; }
        /// <summary>The study's group (data.group_column, a patient), or null without that column.</summary>
        public string? Group { get; init; }
        /// <summary>Videos available: rows in the video layout, the file's first axis in the study layout.</summary>
        public int VideoCount { get; set; }
    }
}
