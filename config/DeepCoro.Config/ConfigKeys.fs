/// The one table of config settings: one row per setting, naming it once with its spelling in each layout (this
/// product's section and key, DeepCORO_CLIP's flat key or keys, bare model files), how its value is parsed, checked
/// and applied, what it does here and how sweeps treat it. The known keys, the suggestions for unknown ones,
/// docs/config-keys.md and `run --check`'s listing all come from it; docs/architecture.md says how to add a row.
module DeepCoro.Config.ConfigKeys

open System.Collections.Generic
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Training
open DeepCoro.Config.ConfigReader
open DeepCoro.Config.Settings

/// What a setting does here.
type KeyStatus =
    /// It reaches the model, the data or the training.
    | Honoured
    /// It concerns DeepCORO_CLIP's video encoder, its augmentation or its fine-tuning; embeddings are read as stored.
    | EncoderOnly
    /// It concerns the video encoder and is honoured when the run trains one (an exported encoder given).
    | WithEncoder
    /// It has no counterpart here; the reason says why.
    | Ignored of reason: string

/// What a key's value is applied with: the reader (which reports bad values at the node), the heads of the model
/// (for per-head keys) and the key as messages name it.
type KeyContext = { Reader: ConfigReader; Heads: string list; Key: string }

/// One setting. Its spellings: `Nested` (section, key) pairs of this product's layout (section "" is the top level;
/// the first names the setting, later ones are aliases), `Flat` keys of DeepCORO_CLIP's layout, `ModelFile` keys of
/// a bare model file; a layout without a spelling does not read it. `Pass` 0 is read first (it decides the heads
/// every other key may name); `PerHead` settings hold a value per head (or one for all), which sweeps check.
type Setting = {
    Nested: (string * string) list
    Flat: string list
    ModelFile: string list
    Status: KeyStatus
    Pass: int
    /// Its value is a path: relative ones resolve against the
    /// file's base folder (and a run's copy holds them absolute).
    IsPath: bool
    PerHead: bool
    /// Where it goes or why not, for the docs table and --check.
    Doc: string
    /// What DeepCORO_CLIP itself does with its flat key, added to the flat layout's docs.
    FlatNote: string option
    Apply: KeyContext -> YamlNode -> Settings -> Settings
} with

    /// The setting's name: `section.key` in this product's layout, else its flat or model-file key.
    member s.Id =
        match s.Nested, s.Flat, s.ModelFile with
        | ("", key) :: _, _, _ -> key
        | (section, key) :: _, _, _ -> section + "." + key
        | [], key :: _, _
        | [], [], key :: _ -> key
        | [], [], [] -> invalidOp "a setting without a spelling"

    /// The key of its first spelling, as the model sections and messages name it.
    member s.Name =
        match s.Nested, s.Flat, s.ModelFile with
        | (_, key) :: _, _, _
        | [], key :: _, _
        | [], [], key :: _ -> key
        | [], [], [] -> invalidOp "a setting without a spelling"

    /// The keys that spell it in a layout and (for this product's layout) a section.
    member s.KeysIn(layout: Layout, section: string) =
        match layout with
        | Nested -> s.Nested |> List.filter (fun (sec, _) -> sec = section) |> List.map snd
        | Reference when section = "" -> s.Flat
        | ModelFile when section = "" -> s.ModelFile
        | Reference
        | ModelFile -> []

    /// The path of its first spelling in a layout's file (section, key), or none when the layout does not read it.
    member s.PathIn(layout: Layout) =
        match layout, s.Nested, s.Flat, s.ModelFile with
        | Nested, ("", key) :: _, _, _ -> Some [ key ]
        | Nested, (section, key) :: _, _, _ -> Some [ section; key ]
        | Reference, _, key :: _, _
        | ModelFile, _, _, key :: _ -> Some [ key ]
        | _ -> None

    /// Its first key in a layout, dotted as `--set` and messages name it (`data.manifest`, `data_filename`); a model
    /// file's keys for the model file layout.
    member s.KeyIn(layout: Layout) =
        match s.PathIn layout with
        | Some path -> String.concat "." path
        | None -> invalidOp (sprintf "%s: no key in the %A layout" s.Id layout)

    /// A model key: noted where it was written (ModelKeys.Written), so that findings about the model point at it.
    member s.IsModelKey = s.Nested |> List.exists (fun (section, _) -> section = "model_config")

    /// Where a model key was written in the file read, if it was.
    member s.WrittenIn(keys: ModelKeys) = Map.tryFind s.Id keys.Written

// ------------------------------------------------------------------ helpers that apply a value

let private keep (_: KeyContext) (_: YamlNode) (s: Settings) = s

/// Reads a value and applies it; a value the reader refused leaves the settings as they were.
let private read
    (reader: KeyContext -> YamlNode -> 'T option)
    (apply: 'T -> Settings -> Settings)
    (c: KeyContext)
    (node: YamlNode)
    (s: Settings)
    =
    match reader c node with
    | Some v -> apply v s
    | None -> s

let private int least (c: KeyContext) node = c.Reader.IntAtLeast(least, c.Key, node)
let private anyInt (c: KeyContext) node = c.Reader.Int(c.Key, node)
let private number (c: KeyContext) node = c.Reader.Float(c.Key, node)
let private rate (c: KeyContext) node = c.Reader.NonNegative(c.Key, node)
let private positive (c: KeyContext) node = c.Reader.Positive(c.Key, node)
let private share (c: KeyContext) node = c.Reader.Between(0.0, 1.0, true, c.Key, node)
let private flag (c: KeyContext) node = c.Reader.Bool(c.Key, node)
let private text (c: KeyContext) node = c.Reader.Text(c.Key, node)
let private nonEmpty (c: KeyContext) node =
    text c node
    |> Option.filter (fun t ->
        t <> ""
        || (c.Reader.Error(node, sprintf "%s: must not be empty" c.Key)
            false))
let private path (c: KeyContext) node (s: Settings) = c.Reader.Path(c.Key, node, s.BaseDir)
let private choice (choices: (string * 'T) list) (c: KeyContext) node = c.Reader.Choice(c.Key, choices, node)
let private perHead (value: KeyContext -> YamlNode -> 'T option) (c: KeyContext) (node: YamlNode) =
    Some(c.Reader.PerHead(c.Key, node, c.Heads, fun key n -> value { c with Key = key } n))
let private dict (m: Map<string, 'T>) = Dictionary<string, 'T>(m) :> IReadOnlyDictionary<string, 'T>

let private model (f: 'T -> ModelKeys -> ModelKeys) (v: 'T) (s: Settings) = { s with Model = f v s.Model }
let private data (f: 'T -> DataOptions -> DataOptions) (v: 'T) (s: Settings) = { s with Data = f v s.Data }
let private train (f: 'T -> TrainOptions -> TrainOptions) (v: 'T) (s: Settings) = { s with Train = f v s.Train }
let private optimizer (f: 'T -> OptimizerOptions -> OptimizerOptions) =
    train (fun v (t: TrainOptions) -> t.With(optimizer = f v t.Optimizer))
let private schedule (f: 'T -> ScheduleOptions -> ScheduleOptions) = train (fun v (t: TrainOptions) -> t.With(schedule = f v t.Schedule))
let private intervals (f: 'T -> DeepCoro.Runtime.Evaluation.IntervalOptions -> DeepCoro.Runtime.Evaluation.IntervalOptions) =
    train (fun v (t: TrainOptions) -> t.With(intervals = f v t.Intervals))
let private telemetry (f: 'T -> DeepCoro.Runtime.Telemetry.TelemetryOptions -> DeepCoro.Runtime.Telemetry.TelemetryOptions) =
    train (fun v (t: TrainOptions) -> t.With(telemetry = f v t.Telemetry))
let private loss (f: 'T -> LossOptions -> LossOptions) = train (fun v (t: TrainOptions) -> t.With(loss = f v t.Loss))
let private run (f: 'T -> RunSettings -> RunSettings) (v: 'T) (s: Settings) = { s with Run = f v s.Run }
let private encoder (f: 'T -> DeepCoro.Runtime.Encoders.EncoderOptions -> DeepCoro.Runtime.Encoders.EncoderOptions) (v: 'T) (s: Settings) = {
    s with
        Encoder = f v s.Encoder
}

/// An operating threshold rule (DeepCoro.Runtime.Evaluation.ThresholdRule): one line naming the key and the
/// accepted forms when it cannot be read or met.
let private thresholdRule (c: KeyContext) (node: YamlNode) =
    match node with
    | :? YamlScalarNode as scalar ->
        try
            Some(DeepCoro.Runtime.Evaluation.ThresholdRule.Parse(c.Key, scalar.Value))
        with :? System.ArgumentException as e ->
            c.Reader.Error(node, e.Message)
            None
    | _ ->
        c.Reader.Error(node, sprintf "%s: expected one rule; accepted: %s" c.Key DeepCoro.Runtime.Evaluation.ThresholdRule.Accepted)
        None

/// The recalibration methods (DeepCoro.Runtime.Evaluation.Recalibration) and none.
let private recalibrationNames = [ "none", "none"; "platt", "platt"; "isotonic", "isotonic"; "temperature", "temperature" ]

let private thresholds (f: 'T -> DeepCoro.Runtime.Evaluation.ThresholdOptions -> DeepCoro.Runtime.Evaluation.ThresholdOptions) =
    train (fun v (t: TrainOptions) -> t.With(thresholds = f v t.Thresholds))

/// A list of numbers (dataset_mean, dataset_std: one per channel).
let private numbers (c: KeyContext) (node: YamlNode) =
    match node with
    | :? YamlSequenceNode as list ->
        let values = [ for item in list.Children -> c.Reader.Float(c.Key, item) ]
        if List.forall Option.isSome values then Some(List.choose id values |> Array.ofList :> IReadOnlyList<float>) else None
    | _ -> c.Reader.Float(c.Key, node) |> Option.map (fun v -> [| v |] :> IReadOnlyList<float>)

// ------------------------------------------------------------------ names the files use

/// The reference's pooling modes, in its own spelling.
let poolingModes = [ for m in PoolingMode.All -> m.Spelling ]

/// Head tasks: this product's names and DeepCORO_CLIP's head_task spellings.
let taskNames = [
    "regression", TaskKind.Regression
    "binary", TaskKind.Binary
    "binary_classification", TaskKind.Binary
    "multiclass", TaskKind.Multiclass
    "multiclass_classification", TaskKind.Multiclass
    "survival", TaskKind.Survival
]

/// Head losses: this product's names and every head loss of DeepCORO_CLIP's utils/loss/losses.py. binary_focal
/// also weighs positives by 0.25 (its alpha), which `focal` does not.
let lossNames = [
    "mse", LossKind.Mse
    "mae", LossKind.Mae
    "rmse", LossKind.Rmse
    "huber", LossKind.Huber
    "bce", LossKind.Bce
    "bce_logit", LossKind.Bce
    "ce", LossKind.Ce
    "focal", LossKind.Focal
    "binary_focal", LossKind.Focal
    "multiclass_focal", LossKind.Focal
    "cox", LossKind.Cox
    "discrete_time", LossKind.DiscreteTime
]

/// DeepCORO_CLIP's CLIP pretraining losses: not head losses, named as such when a head asks for one.
let private clipLosses = [ "contrastive"; "contrastive_ddp"; "siglip"; "siglip_ddp"; "InfoNCE"; "clip"; "multitask"; "multi_head" ]

/// DeepCORO_CLIP's binary_focal alpha.
let referenceFocalAlpha = 0.25

let private scheduleNames = [
    "constant", ScheduleKind.Constant
    "step", ScheduleKind.Step
    "cosine", ScheduleKind.Cosine
    "cosine_warm_restart", ScheduleKind.CosineWarmRestart
    "linear_warmup", ScheduleKind.LinearWarmup
    "cosine_with_warmup", ScheduleKind.CosineWithWarmup
    "cosine_with_hard_restarts_with_warmup", ScheduleKind.CosineWithHardRestartsWithWarmup
]

/// torch.optim names as DeepCORO_CLIP's `optimizer` key spells them, and this product's.
let private optimizerNames = [ "adamw", OptimizerKind.AdamW; "radam", OptimizerKind.RAdam ]

let runModes = [ "train", Train; "val", Validate; "test", Test; "inference", Inference ]

/// The DeepCORO_CLIP projects whose configs read as linear probing; the PCI embedding extraction reads the same keys.
let linearProbingProjects = [
    "DeepCORO_video_linear_probing"
    "DeepCORO_video_linear_probing_test"
    "DeepCORO_video_linear_probing_cardio_syntax"
]

let embeddingExtractionProject = "DeepCORO_PCI_embedding_extraction"

// ------------------------------------------------------------------ readers of structured values

let private headStructure (c: KeyContext) (node: YamlNode) =
    let entries = c.Reader.Entries(c.Key, node)
    if entries.IsEmpty && (node :? YamlMappingNode) then
        c.Reader.Error(node, DiagnosticCodes.NoHeads, sprintf "%s: at least one head is needed, e.g. { cathEF: 1 }" c.Key)
    // output counts are checked by the validator, which knows each head's task (DC0008)
    let heads = entries |> List.choose (fun e -> c.Reader.Int(sprintf "%s.%s" c.Key e.Key, e.Value) |> Option.map (fun n -> e.Key, n))
    if heads.Length = entries.Length && not heads.IsEmpty then Some heads else None

let private lossName (c: KeyContext) (node: YamlNode) =
    match c.Reader.Text(c.Key, node) with
    | Some name when List.contains name clipLosses ->
        c.Reader.Error(
            node,
            sprintf
                "%s: '%s' is a CLIP pretraining loss, not a head loss; use one of %s"
                c.Key
                name
                (lossNames |> List.map fst |> String.concat ", ")
        )
        None
    | Some _ -> choice lossNames c node |> Option.map (fun kind -> kind, c.Reader.Text(c.Key, node).Value)
    | None -> None

/// A head's task; "classification", which DeepCORO_CLIP's runner stops on ("Unknown head task"), is left to the head
/// task rule (its loss, else its outputs) with a warning.
let private headTask (c: KeyContext) (node: YamlNode) =
    match c.Reader.Text(c.Key, node) with
    | Some "classification" ->
        c.Reader.Warn(
            node,
            sprintf
                "%s: 'classification' is no task of DeepCORO_CLIP (its runner stops on it): read as binary or multiclass by the head's loss and outputs"
                c.Key
        )
        Some None
    | Some _ -> choice taskNames c node |> Option.map Some
    | None -> None

let private axes (c: KeyContext) (node: YamlNode) =
    match node with
    | :? YamlSequenceNode as s when s.Children.Count = 1 || s.Children.Count = 2 -> c.Reader.Texts(c.Key, node)
    | _ ->
        c.Reader.Error(
            node,
            sprintf "%s: expected a list of one axis (3D input, e.g. [videos]) or two, outermost first (e.g. [videos, tokens])" c.Key
        )
        None

let private inputRank (c: KeyContext) (node: YamlNode) =
    anyInt c node
    |> Option.filter (fun r ->
        r = 3
        || r = 4
        || (c.Reader.Error(node, sprintf "%s: the input is [B, N, D] (3) or [B, N, L, D] (4), got %d" c.Key r)
            false))

/// A survival head's two columns: [TIME_COLUMN, EVENT_COLUMN].
let private survivalPair (c: KeyContext) (node: YamlNode) =
    match c.Reader.Texts(c.Key, node) with
    | Some [ time; happened ] when time <> "" && happened <> "" -> Some(SurvivalColumns(time, happened))
    | Some _ ->
        c.Reader.Error(node, sprintf "%s: expected two columns, [TIME_COLUMN, EVENT_COLUMN], e.g. [FU_DAYS, MACE]" c.Key)
        None
    | None -> None

/// A map of names to integer ids (view_labels_map).
let private ids (c: KeyContext) (node: YamlNode) =
    let entries = c.Reader.Entries(c.Key, node)
    let read =
        entries |> List.choose (fun e -> c.Reader.IntAtLeast(0, sprintf "%s.%s" c.Key e.Key, e.Value) |> Option.map (fun i -> e.Key, i))
    if read.Length = entries.Length then Some(dict (Map.ofList read)) else None

/// labels_map as written; its values are read once the heads' tasks are known.
let private labelsMap (c: KeyContext) (node: YamlNode) =
    Some [
        for e in c.Reader.Entries(c.Key, node) do
            if List.contains e.Key c.Heads then
                yield e.Key, [ for label in c.Reader.Entries(sprintf "%s.%s" c.Key e.Key, e.Value) -> label.Key, label.Value ]
            else
                c.Reader.Error(
                    e.KeyNode,
                    DiagnosticCodes.InvalidValue,
                    sprintf "%s: '%s' is not a head of the model; %s" c.Key e.Key (Suggestions.Hint(e.Key, c.Heads))
                )
    ]

let private splits (c: KeyContext) (node: YamlNode) (s: Settings) =
    c.Reader.Entries(c.Key, node)
    |> List.fold
        (fun (s: Settings) e ->
            let key = sprintf "%s.%s" c.Key e.Key
            match e.Key, c.Reader.Text(key, e.Value) with
            | _, None -> s
            | "train", Some name -> { s with Data = s.Data.With(trainSplit = name) }
            | "val", Some name -> { s with Data = s.Data.With(valSplit = name) }
            | "test", Some name -> { s with Data = s.Data.With(testSplit = name) }
            | "inference", Some name -> { s with Data = s.Data.With(inferenceSplit = name) }
            | other, _ ->
                c.Reader.Unknown(e.KeyNode, other, c.Key, [ "train"; "val"; "test"; "inference" ])
                s)
        s

let private betas (c: KeyContext) (node: YamlNode) =
    match node with
    | :? YamlSequenceNode as s when s.Children.Count = 2 ->
        match c.Reader.Between(0.0, 1.0, true, c.Key, s.Children[0]), c.Reader.Between(0.0, 1.0, true, c.Key, s.Children[1]) with
        | Some b1, Some b2 -> Some(b1, b2)
        | _ -> None
    | _ ->
        c.Reader.Error(node, sprintf "%s: expected two numbers in [0, 1), e.g. [0.9, 0.999]" c.Key)
        None

/// max_grad_norm: a positive norm, or null for no clipping.
let private clipping (c: KeyContext) (node: YamlNode) (s: Settings) =
    match node with
    | :? YamlScalarNode as n when n.Value = "" || n.Value = "null" || n.Value = "~" -> { s with Train = s.Train.WithoutClipping() }
    | _ -> read positive (train (fun v t -> t.With(clipNorm = v))) c node s

/// num_warmup_percent: the reference writes a share (0.1); a value above 1 reads as percent; exactly 1 (the whole run
/// warming up) is warned about, as someone meaning 1 % writes it.
let private warmup (c: KeyContext) (node: YamlNode) =
    number c node
    |> Option.bind (fun x ->
        if x < 0.0 || x > 100.0 then
            c.Reader.Error(node, sprintf "%s: expected a share in [0, 1] (or percent), got %g" c.Key x)
            None
        else
            if x = 1.0 then
                c.Reader.Warn(node, sprintf "%s: 1 is read as a share: the whole run is warmup; write 0.01 for 1 %%" c.Key)
            Some(if x > 1.0 then x / 100.0 else x))

/// pipeline_project: a linear-probing project of DeepCORO_CLIP (or its PCI embedding extraction).
let private pipeline (c: KeyContext) (node: YamlNode) =
    text c node
    |> Option.filter (fun p ->
        let known = embeddingExtractionProject :: linearProbingProjects
        List.contains p known
        || (c.Reader.Error(
                node,
                sprintf
                    "%s: '%s' is not a linear-probing project of DeepCORO_CLIP; expected one of %s; %s"
                    c.Key
                    p
                    (String.concat ", " known)
                    (Suggestions.Hint(p, known))
            )
            false))


// ------------------------------------------------------------------ how a row is written

/// A setting honoured where it is spelled; the spellings are added with `nested`, `flat` and `modelFile`.
let private setting doc apply = {
    Nested = []
    Flat = []
    ModelFile = []
    Status = Honoured
    Pass = 1
    IsPath = false
    PerHead = false
    Doc = doc
    FlatNote = None
    Apply = apply
}

/// Spelled `section.key` in this product's layout.
let private nested section key (s: Setting) = { s with Nested = s.Nested @ [ section, key ] }
/// Spelled `key` in DeepCORO_CLIP's flat layout.
let private flat key (s: Setting) = { s with Flat = s.Flat @ [ key ] }
/// Spelled `key` in a bare model file.
let private modelFile key (s: Setting) = { s with ModelFile = s.ModelFile @ [ key ] }
/// What DeepCORO_CLIP itself does with the flat key.
let private note text (s: Setting) = { s with FlatNote = Some text }
let private status value (s: Setting) = { s with Status = value }
let private firstPass (s: Setting) = { s with Pass = 0 }
let private eachHead (s: Setting) = { s with PerHead = true }

/// A model key: under model_config here, at the top level of DeepCORO_CLIP's files and of model files.
let private modelKey key doc apply = setting doc apply |> nested "model_config" key |> flat key |> modelFile key

/// A setting whose value is a path, made absolute against the file's base folder before `set` gets it.
let private pathSetting doc (set: string -> Settings -> Settings) = {
    setting doc (fun c node s ->
        match path c node s with
        | Some p -> set p s
        | None -> s) with
        IsPath = true
}

/// A key of DeepCORO_CLIP's flat layout that only its video encoder reads.
let private encoderOnly key doc = setting doc keep |> flat key |> status EncoderOnly
/// A key of DeepCORO_CLIP's flat layout with no counterpart here.
let private ignored key why = setting why keep |> flat key |> status (Ignored why)

// ------------------------------------------------------------------ the table

/// A rate or decay of the optimizer, under the same key in both layouts.
let private optimizerRate key doc (set: float -> OptimizerOptions -> OptimizerOptions) =
    setting doc (read rate (optimizer set)) |> nested "optimizer" key |> flat key

/// The rows that model building, reading and sweeps refer to by handle.
module Keys =
    let embeddingDim =
        modelKey
            "embedding_dim"
            "the embeddings' width D (DeepCORO_CLIP takes its encoder's: 512 when not written)"
            (read (int 1) (model (fun v k -> { k with EmbeddingDim = Some v })))
    let headStructure =
        modelKey
            "head_structure"
            "one Linear head per entry, its output count"
            (read headStructure (model (fun v k -> { k with Heads = v })))
        |> firstPass
    let poolingMode =
        modelKey
            "pooling_mode"
            "the pooling hierarchy (see docs/spec-ir.md for each mode's levels)"
            (read (choice [ for m in PoolingMode.All -> m.Spelling, m ]) (model (fun v k -> { k with PoolingMode = v })))
    let attentionHidden =
        modelKey "attention_hidden" "gated attention's hidden size" (read (int 1) (model (fun v k -> { k with AttentionHidden = v })))
    let dropout =
        modelKey
            "dropout_attention"
            "dropout of the pooling's attention weights (model files also read `dropout`; DeepCORO_CLIP's `dropout` is its encoder's)"
            (read share (model (fun v k -> { k with Dropout = v })))
        |> nested "model_config" "dropout"
        |> modelFile "dropout"
    let numAttentionHeads =
        modelKey
            "num_attention_heads"
            "attention heads of every cls level (DeepCORO_CLIP builds 8 whatever the file says)"
            (read (int 1) (model (fun v k -> { k with AttentionHeads = v })))
    let separateVideoAttention =
        modelKey
            "separate_video_attention"
            "separate within/across cls layers, else one shared (DeepCORO_CLIP always separates)"
            (read flag (model (fun v k -> { k with Separate = v })))
    let normalizationStrategy =
        modelKey
            "normalization_strategy"
            "LayerNorm before (pre_norm) or after (post_norm) the cls attention (DeepCORO_CLIP: post)"
            (read (choice [ "post_norm", false; "pre_norm", true ]) (model (fun v k -> { k with PreNorm = v })))
    let numViewClasses =
        modelKey
            "num_view_classes"
            "view embedding classes (DeepCORO_CLIP: only with view_column)"
            (read (int 0) (model (fun v k -> { k with ViewClasses = v })))
    let useClsToken =
        modelKey
            "use_cls_token"
            "checked against pooling_mode, which decides (as in DeepCORO_CLIP)"
            (read flag (model (fun v k -> { k with UseClsToken = Some v })))
    let inputRank =
        setting
            "3: one vector per video [B, N, D]; 4: tokens [B, N, L, D] (default)"
            (read inputRank (model (fun v k -> { k with Rank = Some v })))
        |> nested "model_config" "input_rank"
        |> modelFile "input_rank"
    let axes =
        setting "names of the input axes, outermost first" (read axes (model (fun v k -> { k with Axes = Some v })))
        |> nested "model_config" "axes"
        |> modelFile "axes"
    let headTask =
        modelKey
            "head_task"
            "each head's task (regression, binary[_classification], multiclass[_classification], survival)"
            (read
                (perHead headTask)
                (model (fun v k -> {
                    k with
                        Tasks = v |> Map.toSeq |> Seq.choose (fun (h, t) -> t |> Option.map (fun t -> h, t)) |> Map.ofSeq
                })))
        |> eachHead
    let lossStructure =
        modelKey
            "loss_structure"
            "each head's loss (mse, mae, rmse, huber, bce_logit, ce, binary_focal, multiclass_focal, focal; survival: cox, discrete_time)"
            (fun c node s ->
                let losses = c.Reader.PerHead(c.Key, node, c.Heads, fun key n -> lossName { c with Key = key } n)
                let s = { s with Model = { s.Model with Losses = losses |> Map.map (fun _ (kind, _) -> kind) } }
                if losses |> Map.exists (fun _ (_, name) -> name = "binary_focal") then
                    { s with Train = s.Train.With(loss = s.Train.Loss.With(focalAlpha = referenceFocalAlpha)) }
                else
                    s)
        |> eachHead
    let headWeights =
        modelKey "head_weights" "each head's weight in the total loss" (read (perHead rate) (model (fun v k -> { k with Weights = v })))
        |> eachHead
    let headDropout =
        modelKey
            "head_dropout"
            "dropout of the pooled vector before each head (DeepCORO_CLIP never applies it)"
            (read (perHead share) (model (fun v k -> { k with HeadDropout = v })))
        |> eachHead
    let intervals =
        modelKey
            "intervals"
            "each discrete_time survival head's interval bounds, positive and increasing (an extension of DeepCORO_CLIP)"
            (read (perHead numbers) (model (fun v k -> { k with Intervals = v |> Map.map (fun _ b -> List.ofSeq b) })))
        |> eachHead
    let coxTies =
        modelKey
            "cox_ties"
            "ties in a Cox loss: efron (default) or breslow (an extension of DeepCORO_CLIP)"
            (read (choice [ "efron", CoxTies.Efron; "breslow", CoxTies.Breslow ]) (loss (fun v l -> l.With(ties = v))))
    let aggregateVideosTokens =
        setting
            "true: one vector per video ([B, N, D]); false: tokens ([B, N, L, D])"
            (read flag (model (fun v k -> { k with EncoderAggregates = v })))
        |> flat "aggregate_videos_tokens"
    let perVideoPool =
        setting "true: tokens mean-pooled per video ([B, N, D])" (read flag (model (fun v k -> { k with PerVideoPool = v })))
        |> flat "per_video_pool"
    let modelPath =
        pathSetting "a model file instead of model_config: an IR JSON or a DeepCORO_CLIP model config" (fun p s -> {
            s with
                ModelPath = Some p
        })
        |> nested "" "model"
        |> firstPass
    let embeddings =
        pathSetting "folder of embeddings for a manifest of videos, found by file stem (same as --embeddings)" (fun p s -> {
            s with
                Data = s.Data.With(embeddingsDir = p)
        })
        |> nested "data" "embeddings"
        |> flat "embeddings_dir"
    let encoderPath =
        pathSetting
            "a TorchScript encoder (tools/export_encoder.py) trained with the probe from the manifest's videos (same as --encoder)"
            (fun p s -> { s with Encoder = s.Encoder.With(path = p) })
        |> nested "encoder" "path"
        |> flat "video_encoder_torchscript"
    let pipelineProject =
        setting
            "checked: a linear-probing project (or the PCI embedding extraction)"
            (read pipeline (fun v s -> { s with Run = { s.Run with Pipeline = Some v } }))
        |> flat "pipeline_project"
        |> firstPass
    let asReferenceBuilt =
        setting
            "build what DeepCORO_CLIP builds (same as --as-reference-built)"
            (read flag (run (fun v r -> { r with AsReferenceBuilt = v })))
        |> flat "as_reference_built"
        |> firstPass

    let manifest =
        pathSetting "the CSV, one row per video" (fun p s -> { s with Data = s.Data.With(manifest = p) })
        |> nested "data" "manifest"
        |> flat "data_filename"
        |> note "relative paths: the working directory, as DeepCORO_CLIP"

    // the rates and decays: a sweep of lr or weight_decay that changes nothing names the keys shadowing it
    let lr = setting "the base learning rate" (read rate (optimizer (fun v o -> o.With(lr = v)))) |> nested "optimizer" "lr"
    let weightDecay =
        setting "the base weight decay" (read rate (optimizer (fun v o -> o.With(weightDecay = v)))) |> nested "optimizer" "weight_decay"
    let headLr =
        setting "each head's rate (or one for all)" (read (perHead rate) (optimizer (fun v o -> o.With(headLr = dict v))))
        |> nested "optimizer" "head_lr"
        |> flat "head_lr"
        |> eachHead
    let headWeightDecay =
        setting "each head's decay (or one for all)" (read (perHead rate) (optimizer (fun v o -> o.With(headWeightDecay = dict v))))
        |> nested "optimizer" "head_weight_decay"
        |> flat "head_weight_decay"
        |> eachHead
    let attentionLr = optimizerRate "attention_lr" "gated attention's rate" (fun v o -> o.With(attentionLr = v))
    let attentionWeightDecay =
        optimizerRate "attention_weight_decay" "gated attention's decay" (fun v o -> o.With(attentionWeightDecay = v))
    let attentionAcrossLr =
        optimizerRate "attention_across_lr" "the cls token and its layers' rate" (fun v o -> o.With(attentionAcrossLr = v))
    let attentionAcrossWeightDecay =
        optimizerRate "attention_across_weight_decay" "the cls token and its layers' decay" (fun v o ->
            o.With(attentionAcrossWeightDecay = v))
    let attentionWithinLr =
        optimizerRate "attention_within_lr" "the within-video cls layers' rate (a group of their own)" (fun v o ->
            o.With(attentionWithinLr = v))
        |> note "DeepCORO_CLIP parses it and never uses it"
    let attentionWithinWeightDecay =
        optimizerRate "attention_within_weight_decay" "the within-video cls layers' decay" (fun v o ->
            o.With(attentionWithinWeightDecay = v))
        |> note "DeepCORO_CLIP parses it and never uses it"
    let viewEmbeddingLr =
        optimizerRate "view_embedding_lr" "the view embedding's rate" (fun v o -> o.With(viewEmbeddingLr = v))
        |> note "DeepCORO_CLIP falls back to attention_lr"
    let viewEmbeddingWeightDecay =
        optimizerRate "view_embedding_weight_decay" "the view embedding's decay" (fun v o -> o.With(viewEmbeddingWeightDecay = v))
        |> note "DeepCORO_CLIP falls back to attention_weight_decay"

let private modelSettings = [
    Keys.embeddingDim
    Keys.headStructure
    Keys.poolingMode
    Keys.attentionHidden
    Keys.dropout
    Keys.numAttentionHeads
    Keys.separateVideoAttention
    Keys.normalizationStrategy
    Keys.numViewClasses
    Keys.useClsToken
    Keys.inputRank
    Keys.axes
    Keys.headTask
    Keys.lossStructure
    Keys.headWeights
    Keys.headDropout
    Keys.intervals
    Keys.coxTies
    Keys.aggregateVideosTokens
    Keys.perVideoPool
]

let private dataSettings =
    let d key doc apply = setting doc apply |> nested "data" key
    [
        Keys.manifest
        d "separator" "the CSV's separator (default ,)" (read nonEmpty (data (fun v d -> d.With(separator = v))))
        pathSetting "folder that the manifest's relative paths resolve against" (fun p s -> { s with Data = s.Data.With(root = p) })
        |> nested "data" "root"
        d "study_column" "column grouping rows into studies" (read nonEmpty (data (fun v d -> d.With(studyColumn = v))))
        |> flat "groupby_column"
        d "multi_video" "false: every row is a study of one video" (read flag (data (fun v d -> d.With(multiVideo = v))))
        |> flat "multi_video"
        d "split_column" "column naming each row's split" (read nonEmpty (data (fun v d -> d.With(splitColumn = v))))
        d
            "group_column"
            "column naming each study's group (a patient): a group in two splits draws a warning"
            (read nonEmpty (data (fun v d -> d.With(groupColumn = v))))
        pathSetting "CSV study_id,split replacing the split column for its studies (cv folds)" (fun p s -> {
            s with
                Data = s.Data.With(splitFile = p)
        })
        |> nested "data" "split_file"
        d "path_column" "column naming each row's embedding (or video) file" (read nonEmpty (data (fun v d -> d.With(pathColumn = v))))
        |> flat "datapoint_loc_label"
        d
            "view_column"
            "column of each video's view (an id, or a name with view_labels_map)"
            (read nonEmpty (data (fun v d -> d.With(viewColumn = v))))
        |> flat "view_column"
        |> note "without it DeepCORO_CLIP builds no view embedding"
        d "view_labels_map" "view names -> ids (missing: Other, unknown: padding; null: none)" (fun c node s ->
            match node with
            | :? YamlScalarNode as n when n.Value = "" || n.Value = "null" || n.Value = "~" -> s
            | _ -> read ids (data (fun v d -> d.With(viewLabelsMap = v))) c node s)
        |> flat "view_labels_map"
        d
            "layout"
            "video: a file per video; study: a file per study"
            (read (choice [ "video", FileLayout.Video; "study", FileLayout.Study ]) (data (fun v d -> d.With(layout = v))))
        d
            "label_columns"
            "each head's label column (default: the head's name)"
            (read (perHead nonEmpty) (data (fun v d -> d.With(labelColumns = dict v))))
        |> eachHead
        setting "the label columns; each head reads the column of its name" (fun c node s ->
            match c.Reader.Texts(c.Key, node) with
            | Some labels -> { s with TargetLabels = Some(labels, node) }
            | None -> s)
        |> flat "target_label"
        d
            "labels_map"
            "each class head's label names -> class ids (predictions, confusion matrix); display only for regression heads"
            (read labelsMap (fun v s -> { s with LabelsMap = v }))
        |> flat "labels_map"
        |> eachHead
        d
            "survival_columns"
            "each survival head's [TIME_COLUMN, EVENT_COLUMN] (event 1, censored 0)"
            (read (perHead survivalPair) (data (fun v d -> d.With(survivalColumns = dict v))))
        |> flat "survival_columns"
        |> note "an extension of DeepCORO_CLIP"
        |> eachHead
        d "splits" "the split names of train, val, test and inference" splits
        d "tokens" "tokens per video L (default: the first file's)" (read (int 1) (data (fun v d -> d.With(tokens = v))))
        d "num_videos" "videos per study at most" (read (int 1) (data (fun v d -> d.With(numVideos = v)))) |> flat "num_videos"
        d
            "random_videos"
            "a random subset of a study's videos in training"
            (read flag (data (fun v d -> d.With(randomVideosInTraining = v))))
        |> flat "shuffle_videos"
        d "batch_size" "studies per batch" (read (int 1) (data (fun v d -> d.With(batchSize = v)))) |> flat "batch_size"
        d "prefetch" "batches read ahead" (read (int 1) (data (fun v d -> d.With(prefetch = v))))
        d "read_threads" "threads reading files" (read (int 1) (data (fun v d -> d.With(readThreads = v)))) |> flat "num_workers"
        d
            "token_dtype"
            "tokens in memory: float32 (default), float16 or bfloat16; other files are rounded as read"
            (read
                (choice [ "float32", TokenDtype.Float32; "float16", TokenDtype.Float16; "bfloat16", TokenDtype.BFloat16 ])
                (data (fun v d -> d.With(tokenDtype = v))))
        Keys.embeddings
        d
            "embeddings_keep_folders"
            "mirror the videos' sub-folders under the embeddings folder"
            (read flag (data (fun v d -> d.With(embeddingsKeepFolders = v))))
        |> flat "embeddings_keep_folders"
    ]

let private optimizerSettings =
    let o key doc apply = setting doc apply |> nested "optimizer" key
    [
        o "name" "adamw or radam" (read (choice optimizerNames) (optimizer (fun v o -> o.With(kind = v)))) |> flat "optimizer"
        Keys.lr
        Keys.weightDecay
        o "betas" "Adam's betas" (read betas (optimizer (fun (b1, b2) o -> o.With(beta1 = b1, beta2 = b2))))
        o "eps" "Adam's epsilon" (read positive (optimizer (fun v o -> o.With(eps = v))))
        Keys.headLr
        Keys.headWeightDecay
        Keys.attentionLr
        Keys.attentionWeightDecay
        Keys.attentionAcrossLr
        Keys.attentionAcrossWeightDecay
        Keys.attentionWithinLr
        Keys.attentionWithinWeightDecay
        Keys.viewEmbeddingLr
        Keys.viewEmbeddingWeightDecay
        o
            "train_pooling"
            "false freezes the pooling (cls token, attention layers, norms, gates)"
            (read flag (optimizer (fun v o -> o.With(trainPooling = v))))
        |> flat "train_pooling_params"
        o "video_encoder_lr" "the encoder's rate" (read rate (encoder (fun v e -> e.With(lr = v))))
        |> flat "video_encoder_lr"
        |> status WithEncoder
        o "video_encoder_weight_decay" "the encoder's decay" (read rate (encoder (fun v e -> e.With(weightDecay = v))))
        |> flat "video_encoder_weight_decay"
        |> status WithEncoder
    ]

let private encoderSettings =
    let e key doc apply = setting doc apply |> nested "encoder" key |> status WithEncoder
    [
        Keys.encoderPath
        e
            "freeze_ratio"
            "the share of its parameter tensors that train, from the top (1: none)"
            (read (fun c n -> c.Reader.Between(0.0, 1.0, false, c.Key, n)) (encoder (fun v e -> e.With(freezeRatio = v))))
        |> flat "video_freeze_ratio"
        e "frames" "frames per video" (read (int 1) (encoder (fun v e -> e.With(frames = v)))) |> flat "frames"
        e "stride" "frame stride (above 1: drawn from 1..stride at each read)" (read (int 1) (encoder (fun v e -> e.With(stride = v))))
        |> flat "stride"
        e "resize" "frame size" (read (int 1) (encoder (fun v e -> e.With(resize = v)))) |> flat "resize"
        e
            "mean"
            "pixel normalisation's mean (computed from training videos when absent)"
            (read numbers (encoder (fun v e -> e.With(datasetMean = v))))
        |> flat "dataset_mean"
        e "std" "pixel normalisation's std" (read numbers (encoder (fun v e -> e.With(datasetStd = v)))) |> flat "dataset_std"
        e
            "rand_augment"
            "the training videos through RandAugment (magnitude 9, two operations) at every epoch, as the reference trains"
            (read flag (encoder (fun v e -> e.With(randAugment = v))))
        |> flat "rand_augment"
        pathSetting "where the frozen prefix's outputs are kept (default: beside the manifest)" (fun p s -> {
            s with
                Encoder = s.Encoder.With(cacheDirectory = p)
        })
        |> nested "encoder" "cache"
        |> status WithEncoder
    ]

let private schedulerSettings =
    let sc key doc apply = setting doc apply |> nested "scheduler" key
    [
        sc "name" "the learning-rate schedule" (read (choice scheduleNames) (schedule (fun v o -> o.With(kind = v))))
        |> flat "scheduler_name"
        sc "lr_step_period" "step: epochs per step" (read positive (schedule (fun v o -> o.With(stepPeriodEpochs = v))))
        |> flat "lr_step_period"
        sc "factor" "step: the factor per period" (read positive (schedule (fun v o -> o.With(factor = v)))) |> flat "factor"
        sc "num_warmup_percent" "warmup share of all steps" (read warmup (schedule (fun v o -> o.With(warmupFraction = v))))
        |> flat "num_warmup_percent"
        sc
            "warm_restart_period"
            "cosine_warm_restart: first cycle in epochs"
            (read positive (schedule (fun v o -> o.With(restartPeriodEpochs = v))))
        sc
            "warm_restart_tmult"
            "cosine_warm_restart: growth of each cycle (2.0 reads as 2)"
            (read (int 1) (schedule (fun v o -> o.With(restartMultiplier = v))))
        |> flat "warm_restart_tmult"
        sc
            "num_hard_restarts_cycles"
            "cosine_with_hard_restarts_with_warmup: cycles"
            (read positive (schedule (fun v o -> o.With(hardRestartCycles = v))))
        |> flat "num_hard_restarts_cycles"
        sc
            "min_lr_factor"
            "cosine: the floor as a share of the rate"
            (read (fun c n -> c.Reader.Between(0.0, 1.0, false, c.Key, n)) (schedule (fun v o -> o.With(minFactor = v))))
    ]

let private trainingSettings =
    let t key doc apply = setting doc apply |> nested "training" key
    [
        t "epochs" "epochs" (read (int 1) (train (fun v t -> t.With(epochs = v)))) |> flat "epochs"
        t "seed" "the seed of initialisation, shuffling and dropout" (read anyInt (train (fun v t -> t.With(seed = v)))) |> flat "seed"
        t
            "gradient_accumulation_steps"
            "batches per optimizer step"
            (read
                (fun c n ->
                    c.Reader.IntAtLeast(1, c.Key, n)
                    |> Option.filter (fun v ->
                        v <= 100000
                        || (c.Reader.Error(n, sprintf "%s: at most 100000, got %d" c.Key v)
                            false)))
                (train (fun v t -> t.With(gradientAccumulation = v))))
        |> flat "gradient_accumulation_steps"
        t "max_grad_norm" "clip the gradient norm (null: no clipping)" clipping
        |> flat "max_grad_norm"
        |> note "DeepCORO_CLIP's probe does not clip: none unless given"
        t "monitor" "the metric choosing the best epoch" (read nonEmpty (train (fun v t -> t.With(monitor = v))))
        t "patience" "epochs without improvement before stopping" (read (int 1) (train (fun v t -> t.With(patience = v))))
        t "min_delta" "the least improvement that counts" (read rate (train (fun v t -> t.With(minDelta = v))))
        t "huber_delta" "huber's delta" (read positive (loss (fun v l -> l.With(huberDelta = v))))
        t "focal_gamma" "focal losses' gamma" (read rate (loss (fun v l -> l.With(focalGamma = v))))
        t
            "focal_alpha"
            "binary focal loss's weight of positives"
            (read (fun c n -> c.Reader.Between(0.0, 1.0, false, c.Key, n)) (loss (fun v l -> l.With(focalAlpha = v))))
        t "device" "cpu, cuda or cuda:i" (read nonEmpty (train (fun v t -> t.With(device = v))))
        t
            "cls_kernel"
            "the cls attention's kernel: fused (one pass on CPU float32, the default), batched or reference"
            (read
                (choice [ "fused", ClsKernel.Fused; "batched", ClsKernel.Batched; "reference", ClsKernel.Reference ])
                (train (fun v t -> t.With(kernel = v))))
        t
            "confidence_level"
            "bootstrap confidence intervals' level"
            (read (fun c n -> c.Reader.Between(0.5, 1.0, true, c.Key, n)) (intervals (fun v i -> i.With(level = v))))
        |> flat "ci_confidence_level"
        |> note "DeepCORO_CLIP never computes them"
        t "bootstraps" "bootstrap resamples (0: no intervals)" (read (int 0) (intervals (fun v i -> i.With(resamples = v))))
        |> flat "ci_n_bootstrap"
        t
            "threshold_rule"
            "the operating threshold chosen on validation and locked (thresholds.json): gmean, youden, sensitivity:S, specificity:S or a number (docs/evaluation.md)"
            (read thresholdRule (thresholds (fun v o -> o.With(rule = v))))
        |> flat "threshold_rule"
        |> note "not in DeepCORO_CLIP, which picks a threshold on each split"
        t
            "threshold_rules"
            "training.threshold_rule per head, e.g. { contrast: sensitivity:0.9 }"
            (read (perHead thresholdRule) (thresholds (fun v o -> o.With(perHead = dict v))))
        |> flat "threshold_rules"
        |> eachHead
        t
            "recalibration"
            "fitted on validation, applied to every later prediction (calibration.json): platt or isotonic (binary), temperature (multiclass), none; one for all heads or per head"
            (read (perHead (choice recalibrationNames)) (train (fun v t -> t.With(recalibration = dict v))))
        |> flat "recalibration"
        |> note "not in DeepCORO_CLIP"
        |> eachHead
        t
            "telemetry"
            "attention, gradient, cls-token and memory figures every epoch (false: none; the non-finite guard runs either way)"
            (read flag (telemetry (fun v o -> o.With(enabled = v))))
        t "telemetry_every" "optimizer steps between two gradient samples" (read (int 1) (telemetry (fun v o -> o.With(sampleEvery = v))))
        t
            "max_nonfinite_steps"
            "optimizer steps in a row skipped for a non-finite loss or gradient that stop the run"
            (read (int 1) (telemetry (fun v o -> o.With(maxConsecutiveSkips = v))))
    ]

let private runSettings =
    let r key doc apply = setting doc apply |> nested "run" key |> firstPass
    [
        r "mode" "what `deepcoro run` does: train, val, test or inference" (read (choice runModes) (run (fun v r -> { r with Mode = v })))
        |> flat "run_mode"
        pathSetting "the weights val, test and inference read (.safetensors or a DeepCORO_CLIP .pt)" (fun p s -> {
            s with
                Run = { s.Run with InferenceModel = Some p }
        })
        |> nested "run" "weights"
        |> flat "inference_model_path"
        |> firstPass
        pathSetting "the run directory (the command line's --output wins)" (fun p s -> { s with Run = { s.Run with OutputDir = Some p } })
        |> nested "run" "output"
        |> flat "output_dir"
        |> firstPass
        r "save_embeddings" "write the study embeddings (the pooled vectors)" (read flag (run (fun v r -> { r with SaveEmbeddings = v })))
        |> flat "save_embeddings"
        r
            "embedding_file"
            "their file name (.safetensors, or .pt for a torch.save file)"
            (read nonEmpty (run (fun v r -> { r with EmbeddingFile = Some v })))
        |> flat "embedding_output_file"
        Keys.pipelineProject
        Keys.asReferenceBuilt
    ]

/// DeepCORO_CLIP's keys (LinearProbingConfig and HeartWiseConfig at its HEAD) that do nothing here.
let private referenceOnlySettings = [
    encoderOnly "dropout" "the video encoder's dropout (the pooling's is dropout_attention)"
    encoderOnly "model_name" "the encoder's backbone (an exported encoder is what it is)"
    encoderOnly "aggregator_depth" "the encoder's aggregator layers"
    encoderOnly "num_heads" "the encoder's aggregator heads (the pooling's are num_attention_heads)"
    encoderOnly "pretrained" "the encoder's pretrained weights"
    encoderOnly "video_encoder_checkpoint_path" "the encoder's PyTorch checkpoint (export it with tools/export_encoder.py)"
    ignored "name" "a W&B run setting"
    ignored "project" "a W&B run setting"
    ignored "entity" "a W&B run setting"
    ignored "tag" "a W&B run setting"
    ignored "use_wandb" "W&B logging (this product writes metrics.jsonl and TensorBoard)"
    ignored "device" "set by DeepCORO_CLIP's DDP launcher; use --device"
    ignored "world_size" "DDP; one process trains here"
    ignored "is_ref_device" "DDP"
    ignored "use_amp" "mixed precision (TorchSharp has no autocast: float32 throughout)"
    ignored "base_checkpoint_path" "DeepCORO_CLIP's output root; use --output"
]

/// Every setting, once.
let all =
    [ Keys.modelPath ]
    @ modelSettings
    @ dataSettings
    @ optimizerSettings
    @ schedulerSettings
    @ trainingSettings
    @ runSettings
    @ encoderSettings
    @ referenceOnlySettings

/// The nested layout's sections (top-level keys).
let sections = [ "model_config"; "model"; "data"; "optimizer"; "scheduler"; "training"; "run"; "encoder" ]

/// The keys a layout reads in a section (the nested layout's sections; "" for the top level), each with its row.
let keysOf (layout: Layout) (section: string) = [
    for s in all do
        for key in s.KeysIn(layout, section) -> key, s
]

/// A setting's status as the docs table words it.
let statusText (s: Setting) =
    match s.Status with
    | Honoured -> "honoured"
    | EncoderOnly -> "encoder only"
    | WithEncoder -> "with an encoder"
    | Ignored _ -> "ignored"

/// docs/config-keys.md's tables: DeepCORO_CLIP's flat keys, then this product's sections. A flat key with a
/// counterpart here names it; an alias says which key it stands for.
let markdown () =
    let escape (s: string) = s.Replace("|", "\\|")
    let line key (s: Setting) doc = sprintf "| `%s` | %s | %s |" key (statusText s) (escape doc)
    let header = [ "| key | here | what it does, or why not |"; "|---|---|---|" ]
    let flatDoc (s: Setting) =
        let doc =
            match s.Nested with
            | (section, _) :: _ when section <> "model_config" -> sprintf "%s: %s" s.Id s.Doc
            | _ -> s.Doc
        match s.FlatNote with
        | Some n -> sprintf "%s; %s" doc n
        | None -> doc
    [
        yield "## DeepCORO_CLIP's flat layout"
        yield ""
        yield! header
        for key, s in keysOf Reference "" |> List.sortBy fst -> line key s (flatDoc s)
        for section in [ "model_config"; "data"; "optimizer"; "scheduler"; "training"; "run"; "encoder" ] do
            yield ""
            yield sprintf "## `%s:`" section
            yield ""
            yield! header
            for key, s in keysOf Nested section ->
                let doc = if key = s.Name then s.Doc else sprintf "same as `%s`" s.Name
                line key s doc
    ]
    |> String.concat "\n"
