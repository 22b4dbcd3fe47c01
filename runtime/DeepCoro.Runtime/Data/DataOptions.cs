using System.Collections.Generic;

namespace DeepCoro.Runtime.Data
{
    /// <summary>Whether each manifest row points at one video's embedding, or at one file holding a whole study.</summary>
    public enum FileLayout { Video, Study }

    /// <summary>
    /// Where the data lies and how to read it. The manifest has one row per video (or per study with
    /// <see cref="FileLayout.Study"/>); relative paths resolve against <see cref="Root"/>, else the manifest's folder.
    /// </summary>
    public sealed record DataOptions
    {
        public required string Manifest { get; init; }
        public string Separator { get; init; } = ",";
        public string? Root { get; init; }
        public string StudyColumn { get; init; } = "StudyInstanceUID";
        public string SplitColumn { get; init; } = "Split";
        public string PathColumn { get; init; } = "FileName";
        public string? ViewColumn { get; init; }
        public FileLayout Layout { get; init; } = FileLayout.Video;
        /// <summary>Head name -> label column; a head not listed reads the column of its own name.</summary>
        public IReadOnlyDictionary<string, string> LabelColumns { get; init; } = new Dictionary<string, string>();
        /// <summary>Head name -> (label text -> class index), for class labels stored as names.</summary>
        public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> LabelsMap { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, int>>();
        public string TrainSplit { get; init; } = "train";
        public string ValSplit { get; init; } = "val";
        public string TestSplit { get; init; } = "test";
        /// <summary>Tokens per video (L); null = taken from the first file, then every file must agree.</summary>
        public int? Tokens { get; init; }
        /// <summary>The tokens' layout as [T, H, W] (MViT: [8, 7, 7]), for drawing attention; null = a plain sequence.</summary>
        public TokenGrid? TokensGrid { get; init; }
        public int NumVideos { get; init; } = 4;
        /// <summary>Training draws a random subset of a study's videos each epoch; evaluation always takes the first ones.</summary>
        public bool RandomVideosInTraining { get; init; } = true;
        public int BatchSize { get; init; } = 8;
        /// <summary>Batches read ahead by the background reader (bounded: memory is prefetch x batch).</summary>
        public int Prefetch { get; init; } = 4;
        /// <summary>Threads reading files for one batch.</summary>
        public int ReadThreads { get; init; } = 2;

        /// <summary>
        /// The same options on another manifest (predict reads a new one with the training config's columns); its
        /// relative paths resolve against <paramref name="root"/>, or with null its own folder, never the training root.
        /// </summary>
        public DataOptions WithManifest(string manifest, string? root) => this with { Manifest = manifest, Root = root };
    }
}
