/// What a config file says, as it is read key by key: the model keys (the model is built from them once they are
/// all read), the data and training options the runtime takes, and how to run.
module DeepCoro.Config.Settings

open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Training

/// How a config file is laid out.
type Layout =
    /// This product's training config: sections model_config (or model), data, optimizer, scheduler, training.
    | Nested
    /// DeepCORO_CLIP's flat LinearProbingConfig (utils/config/linear_probing_config.py), read as PyYAML reads it.
    | Reference
    /// A bare map of model keys (the MIL model's constructor arguments): what spec, infer and golden cases read.
    | ModelFile

/// DeepCORO_CLIP's pooling_mode: the pooling hierarchy its model builds (ModelBuild.stagesFor gives each one's
/// levels).
[<RequireQualifiedAccess>]
type PoolingMode =
    | Mean
    | Max
    | Attention
    | ClsToken
    | MeanAndClsToken
    | AttentionAndClsToken

    /// The mode as the reference spells it.
    member m.Spelling =
        match m with
        | Mean -> "mean"
        | Max -> "max"
        | Attention -> "attention"
        | ClsToken -> "cls_token"
        | MeanAndClsToken -> "mean+cls_token"
        | AttentionAndClsToken -> "attention+cls_token"

    /// Whether its hierarchy has a cls token level.
    member m.HasClsToken =
        match m with
        | ClsToken
        | MeanAndClsToken
        | AttentionAndClsToken -> true
        | Mean
        | Max
        | Attention -> false

    static member All = [ Mean; Max; Attention; ClsToken; MeanAndClsToken; AttentionAndClsToken ]

    /// The mode a spelling names, if any.
    static member TryParse(spelling: string) = PoolingMode.All |> List.tryFind (fun m -> m.Spelling = spelling)

/// The model keys as written: the hierarchy, heads and their losses. `Written` holds the node of every key given,
/// by its setting's id (ConfigKeys' Setting.WrittenIn), so that findings point at it and notices know what the file
/// said.
type ModelKeys = {
    EmbeddingDim: int option
    Heads: (string * int) list
    PoolingMode: PoolingMode
    AttentionHidden: int
    Dropout: float
    AttentionHeads: int
    Separate: bool
    PreNorm: bool
    ViewClasses: int
    UseClsToken: bool option
    Rank: int option
    Axes: string list option
    /// DeepCORO_CLIP's encoder options that decide the embeddings' rank: one vector per video when its aggregator
    /// runs or it pools each video's tokens, else the tokens.
    EncoderAggregates: bool
    PerVideoPool: bool
    Tasks: Map<string, TaskKind>
    Losses: Map<string, LossKind>
    Weights: Map<string, float>
    HeadDropout: Map<string, float>
    /// Each discrete_time survival head's interval bounds (docs/survival.md).
    Intervals: Map<string, float list>
    Written: Map<string, YamlNode>
}

/// The reference's MultiInstanceLinearProbing defaults.
let defaultModel = {
    EmbeddingDim = None
    Heads = []
    PoolingMode = PoolingMode.Mean
    AttentionHidden = 128
    Dropout = 0.0
    AttentionHeads = 8
    Separate = true
    PreNorm = false
    ViewClasses = 0
    UseClsToken = None
    Rank = None
    Axes = None
    EncoderAggregates = true
    PerVideoPool = false
    Tasks = Map.empty
    Losses = Map.empty
    Weights = Map.empty
    HeadDropout = Map.empty
    Intervals = Map.empty
    Written = Map.empty
}

/// What `deepcoro run` does with a config: DeepCORO_CLIP's run_mode.
type RunMode =
    | Train
    | Validate
    | Test
    | Inference

    /// The split a mode reads and the name its prediction files carry, as the reference names them.
    member m.Split =
        match m with
        | Train -> "train"
        | Validate -> "val"
        | Test -> "test"
        | Inference -> "inference"

/// How to run, besides the model, the data and the training options.
type RunSettings = {
    Mode: RunMode
    /// Weights for val, test and inference: a DeepCORO_CLIP checkpoint (.pt) or this product's .safetensors.
    InferenceModel: string option
    /// Where the run writes (output_dir); the command line's --output wins.
    OutputDir: string option
    /// Write the study embeddings (the pooled vector the heads read).
    SaveEmbeddings: bool
    /// Their file name; a .pt name writes a torch.save file, any other .safetensors.
    EmbeddingFile: string option
    /// Build the model DeepCORO_CLIP builds from this file (8 heads, separate layers, post-norm, no head dropout).
    AsReferenceBuilt: bool
    /// The file names a DeepCORO_CLIP project other than linear probing that reads the same keys.
    Pipeline: string option
}

let defaultRun = {
    Mode = Train
    InferenceModel = None
    OutputDir = None
    SaveEmbeddings = false
    EmbeddingFile = None
    AsReferenceBuilt = false
    Pipeline = None
}

/// Everything read so far. Keys apply to it one by one; the model is built from `Model` once every key is read.
type Settings = {
    Layout: Layout
    /// Relative paths of the file resolve against this folder: the config's own for the nested layout, the working
    /// directory for DeepCORO_CLIP's files (its scripts run from the repository root).
    BaseDir: string
    Model: ModelKeys
    /// A model given by path (the nested layout's `model:`) instead of model keys.
    ModelPath: string option
    /// Label columns named by target_label, checked against the heads once they are known.
    TargetLabels: (string list * YamlNode) option
    /// labels_map as written, per head: (label, value node); read once the heads' tasks are known (class names of
    /// classification heads, display only for regression heads).
    LabelsMap: (string * (string * YamlNode) list) list
    Data: DataOptions
    Train: TrainOptions
    /// A video encoder trained with the probe: its options as the keys give them; used when its path is set.
    Encoder: DeepCoro.Runtime.Encoders.EncoderOptions
    Run: RunSettings
}

/// No encoder yet: the reference's defaults for its keys, and no path.
let private noEncoder = DeepCoro.Runtime.Encoders.EncoderOptions(Path = "")

/// The options a layout starts from: this product's defaults, or DeepCORO_CLIP's (α-separated CSV with a Split
/// column, no gradient clipping, its dataclass defaults for the pooling's rates and decays, 1 video per study).
let initial (layout: Layout) (baseDir: string) =
    let data = DataOptions(Manifest = "")
    let train = TrainOptions()
    match layout with
    | Reference -> {
        Layout = layout
        BaseDir = baseDir
        Model = defaultModel
        ModelPath = None
        TargetLabels = None
        LabelsMap = []
        Data =
            data.With(
                separator = "α",
                pathColumn = "target_video_path",
                multiVideo = false,
                numVideos = 1,
                firstLabelWins = true,
                skipMissingFiles = true,
                randomVideosInTraining = true
            )
        Train =
            train
                .With(
                    optimizer =
                        train.Optimizer.With(
                            attentionLr = 1e-4,
                            attentionWeightDecay = 0.0,
                            attentionAcrossLr = 1e-3,
                            attentionAcrossWeightDecay = 1e-5
                        )
                )
                .WithoutClipping()
                // the reference's metric names keep its on-split best_threshold metrics; the locked ones are locked_*
                .With(thresholds = train.Thresholds.With(onSplitNames = true))
        Encoder = noEncoder
        Run = defaultRun
      }
    | Nested
    | ModelFile -> {
        Layout = layout
        BaseDir = baseDir
        Model = defaultModel
        ModelPath = None
        TargetLabels = None
        LabelsMap = []
        Data = data
        Train = train
        Encoder = noEncoder
        Run = defaultRun
      }
