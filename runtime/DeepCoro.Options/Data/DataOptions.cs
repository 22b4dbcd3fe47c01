using System.Collections.Generic;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// Where the data lies and how to read it. The manifest has one row per video (or per study with
    /// <see cref="FileLayout.Study"/>); relative paths resolve against <see cref="Root"/>, else the manifest's folder.
    /// </summary>
    [GenerateWith]
    public sealed partial record DataOptions
    {
        public required string Manifest { get; init; }
        public string Separator { get; init; } = ",";
        public string? Root { get; init; }
        /// <summary>The column grouping rows into studies (with <see cref="MultiVideo"/>).</summary>
        public string StudyColumn { get; init; } = "StudyInstanceUID";
        /// <summary>False makes every row a study of its own with
        /// one video (DeepCORO_CLIP's multi_video: false).</summary>
        public bool MultiVideo { get; init; } = true;
        public string SplitColumn { get; init; } = "Split";
        /// <summary>
        /// The column naming each study's group (a patient): a group whose studies lie in two splits is a leak, and
        /// reading the manifest warns about it; cross-validation keeps a group in one fold.
        /// </summary>
        public string? GroupColumn { get; init; }
        /// <summary>
        /// A CSV <c>study_id,split</c> whose splits replace the split column's for the studies it lists (a
        /// cross-validation fold's assignment, without a copy of the manifest).
        /// </summary>
        public string? SplitFile { get; init; }
        public string PathColumn { get; init; } = "FileName";
        public string? ViewColumn { get; init; }
        /// <summary>View names -> view ids for a view column of names; a missing view reads as "Other", an unknown
        /// one as padding.</summary>
        public IReadOnlyDictionary<string, int>? ViewLabelsMap { get; init; }
        public FileLayout Layout { get; init; } = FileLayout.Video;
        /// <summary>Head name -> label column; a head not listed reads the column of its own name.</summary>
        public IReadOnlyDictionary<string, string> LabelColumns { get; init; } = new Dictionary<string, string>();
        /// <summary>Survival head name -> its time and event columns (docs/survival.md).</summary>
        public IReadOnlyDictionary<string, SurvivalColumns> SurvivalColumns { get; init; } = new Dictionary<string, SurvivalColumns>();
        /// <summary>Head name -> (label text -> class index), for class labels stored as names.</summary>
        public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> LabelsMap { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, int>>();
        /// <summary>Whether every label column must exist (inference reads manifests without them).</summary>
        public bool LabelsRequired { get; init; } = true;
        /// <summary>
        /// What a study's rows disagreeing on a label mean: an error, or (DeepCORO_CLIP's rule) the first row's value
        /// counts and the disagreements are counted in one note.
        /// </summary>
        public bool FirstLabelWins { get; init; }
        public string TrainSplit { get; init; } = "train";
        public string ValSplit { get; init; } = "val";
        public string TestSplit { get; init; } = "test";
        public string InferenceSplit { get; init; } = "inference";
        /// <summary>
        /// A folder of embeddings for a manifest that names videos: each video's embedding is found by file stem
        /// (<see cref="EmbeddingPaths"/>); a video without one is dropped from its study, as DeepCORO_CLIP drops a
        /// missing video, and a study left with none is skipped; both are counted in one note.
        /// </summary>
        public string? EmbeddingsDir { get; init; }
        /// <summary>With <see cref="EmbeddingsDir"/>: mirror the
        /// video's sub-folders below the root under it.</summary>
        public bool EmbeddingsKeepFolders { get; init; }
        /// <summary>Drop (and count) rows whose file does not exist, as DeepCORO_CLIP does,
        /// instead of refusing the manifest.</summary>
        public bool SkipMissingFiles { get; init; }
        /// <summary>Tokens per video (L); null = taken from the first file, then every file must agree.</summary>
        public int? Tokens { get; init; }
        /// <summary>The tokens' layout as [T, H, W] (MViT: [8, 7, 7]),
        /// for drawing attention; null = a plain sequence.</summary>
        public TokenGrid? TokensGrid { get; init; }
        public int NumVideos { get; init; } = 4;
        /// <summary>Training draws a random subset of a study's videos each epoch;
        /// evaluation always takes the first ones.</summary>
        public bool RandomVideosInTraining { get; init; } = true;
        public int BatchSize { get; init; } = 8;
        /// <summary>Batches read ahead by the background reader (bounded: memory is prefetch x batch).</summary>
        public int Prefetch { get; init; } = 4;
        /// <summary>Threads reading files for one batch.</summary>
        public int ReadThreads { get; init; } = 2;
        /// <summary>How tokens are held from the files to the cls kernel; other files are rounded to it as they are
        /// read.</summary>
        public TokenDtype TokenDtype { get; init; } = TokenDtype.Float32;

        /// <summary>
        /// The same options on another manifest (predict reads a new one with the training config's columns);
        /// its relative paths resolve against <paramref name="root"/>,
        /// or with null its own folder, never the training root.
        /// </summary>
        public DataOptions WithManifest(string manifest, string? root) => this with { Manifest = manifest, Root = root };
    }
}
