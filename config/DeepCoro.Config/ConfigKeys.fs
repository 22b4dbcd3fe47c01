/// The one table of config keys: every key of both layouts with where it is read, what it does here and how it is
/// applied. The known keys, the suggestions for unknown ones, docs/config-keys.md and `run --check`'s listing all
/// come from it.
module DeepCoro.Config.ConfigKeys

open System.Collections.Generic
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Training
open DeepCoro.Config.ConfigReader
open DeepCoro.Config.Settings

/// What a key does here.
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

/// One key: where it is written (layouts and, in the nested layout, its section), what it does, when it is read
/// (pass 0 decides the heads every other key may name) and how it is applied.
type ConfigKey = {
    Name: string
    Layouts: Layout list
    Section: string
    Status: KeyStatus
    Pass: int
    /// Its value is a path: relative ones resolve against the
    /// file's base folder (and a run's copy holds them absolute).
    IsPath: bool
    /// Where it goes or why not, for the docs table and --check.
    Doc: string
    Apply: KeyContext -> YamlNode -> Settings -> Settings
}

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
let poolingModes = [ "mean"; "max"; "attention"; "cls_token"; "mean+cls_token"; "attention+cls_token" ]

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

// ------------------------------------------------------------------ the table

let private row name layouts section status pass doc apply = {
    Name = name
    Layouts = layouts
    Section = section
    Status = status
    Pass = pass
    IsPath = false
    Doc = doc
    Apply = apply
}

/// A key whose value is a path, made absolute against the file's base folder before it is set.
let private pathRow name layouts section pass doc (set: string -> Settings -> Settings) = {
    row name layouts section Honoured pass doc (fun c node s ->
        match path c node s with
        | Some p -> set p s
        | None -> s) with
        IsPath = true
}

let private everywhere = [ Nested; Reference; ModelFile ]
let private ours = [ Nested ]
let private reference = [ Reference ]
let private modelFiles = [ Nested; ModelFile ]

/// The model keys (DeepCORO_CLIP's constructor arguments and config keys, and this product's extensions): in the
/// nested layout under model_config, at the top level elsewhere.
let private modelKeys =
    let m name layouts pass doc apply = row name layouts "model_config" Honoured pass doc apply
    [
        m
            "embedding_dim"
            everywhere
            1
            "the embeddings' width D (DeepCORO_CLIP takes its encoder's: 512 when not written)"
            (read (int 1) (model (fun v k -> { k with EmbeddingDim = Some v })))
        m
            "head_structure"
            everywhere
            0
            "one Linear head per entry, its output count"
            (read headStructure (model (fun v k -> { k with Heads = v })))
        m
            "pooling_mode"
            everywhere
            1
            "the pooling hierarchy (see docs/spec-ir.md for each mode's levels)"
            (read (choice [ for p in poolingModes -> p, p ]) (model (fun v k -> { k with PoolingMode = v })))
        m "attention_hidden" everywhere 1 "gated attention's hidden size" (read (int 1) (model (fun v k -> { k with AttentionHidden = v })))
        m
            "dropout"
            modelFiles
            1
            "dropout of the pooling's attention weights (DeepCORO_CLIP files: the encoder's dropout)"
            (read share (model (fun v k -> { k with Dropout = v })))
        m
            "dropout_attention"
            everywhere
            1
            "dropout of the pooling's attention weights"
            (read share (model (fun v k -> { k with Dropout = v })))
        m
            "num_attention_heads"
            everywhere
            1
            "attention heads of every cls level (DeepCORO_CLIP builds 8 whatever the file says)"
            (read (int 1) (model (fun v k -> { k with AttentionHeads = v })))
        m
            "separate_video_attention"
            everywhere
            1
            "separate within/across cls layers, else one shared (DeepCORO_CLIP always separates)"
            (read flag (model (fun v k -> { k with Separate = v })))
        m
            "normalization_strategy"
            everywhere
            1
            "LayerNorm before (pre_norm) or after (post_norm) the cls attention (DeepCORO_CLIP: post)"
            (read (choice [ "post_norm", false; "pre_norm", true ]) (model (fun v k -> { k with PreNorm = v })))
        m
            "num_view_classes"
            everywhere
            1
            "view embedding classes (DeepCORO_CLIP: only with view_column)"
            (read (int 0) (model (fun v k -> { k with ViewClasses = v })))
        m
            "use_cls_token"
            everywhere
            1
            "checked against pooling_mode, which decides (as in DeepCORO_CLIP)"
            (read flag (model (fun v k -> { k with UseClsToken = Some v })))
        m
            "input_rank"
            modelFiles
            1
            "3: one vector per video [B, N, D]; 4: tokens [B, N, L, D] (default)"
            (read inputRank (model (fun v k -> { k with Rank = Some v })))
        m "axes" modelFiles 1 "names of the input axes, outermost first" (read axes (model (fun v k -> { k with Axes = Some v })))
        m
            "head_task"
            everywhere
            1
            "each head's task (regression, binary[_classification], multiclass[_classification], survival)"
            (read
                (perHead headTask)
                (model (fun v k -> {
                    k with
                        Tasks = v |> Map.toSeq |> Seq.choose (fun (h, t) -> t |> Option.map (fun t -> h, t)) |> Map.ofSeq
                })))
        m
            "loss_structure"
            everywhere
            1
            "each head's loss (mse, mae, rmse, huber, bce_logit, ce, binary_focal, multiclass_focal, focal; survival: cox, discrete_time)"
            (fun c node s ->
                let losses = c.Reader.PerHead(c.Key, node, c.Heads, fun key n -> lossName { c with Key = key } n)
                let s = { s with Model = { s.Model with Losses = losses |> Map.map (fun _ (kind, _) -> kind) } }
                if losses |> Map.exists (fun _ (_, name) -> name = "binary_focal") then
                    { s with Train = s.Train.With(loss = s.Train.Loss.With(focalAlpha = referenceFocalAlpha)) }
                else
                    s)
        m
            "head_weights"
            everywhere
            1
            "each head's weight in the total loss"
            (read (perHead rate) (model (fun v k -> { k with Weights = v })))
        m
            "head_dropout"
            everywhere
            1
            "dropout of the pooled vector before each head (DeepCORO_CLIP never applies it)"
            (read (perHead share) (model (fun v k -> { k with HeadDropout = v })))
        m
            "intervals"
            everywhere
            1
            "each discrete_time survival head's interval bounds, positive and increasing (an extension of DeepCORO_CLIP)"
            (read (perHead numbers) (model (fun v k -> { k with Intervals = v |> Map.map (fun _ b -> List.ofSeq b) })))
        m
            "cox_ties"
            everywhere
            1
            "ties in a Cox loss: efron (default) or breslow (an extension of DeepCORO_CLIP)"
            (read (choice [ "efron", CoxTies.Efron; "breslow", CoxTies.Breslow ]) (loss (fun v l -> l.With(ties = v))))
        row
            "aggregate_videos_tokens"
            reference
            ""
            Honoured
            1
            "true: one vector per video ([B, N, D]); false: tokens ([B, N, L, D])"
            (read flag (model (fun v k -> { k with EncoderAggregates = v })))
        row
            "per_video_pool"
            reference
            ""
            Honoured
            1
            "true: tokens mean-pooled per video ([B, N, D])"
            (read flag (model (fun v k -> { k with PerVideoPool = v })))
    ]

/// This product's nested training config: sections data, optimizer, scheduler, training, run (and model, a path).
let private nestedKeys =
    let d name doc apply = row name ours "data" Honoured 1 doc apply
    let o name doc apply = row name ours "optimizer" Honoured 1 doc apply
    let sc name doc apply = row name ours "scheduler" Honoured 1 doc apply
    let t name doc apply = row name ours "training" Honoured 1 doc apply
    let r name doc apply = row name ours "run" Honoured 0 doc apply
    [
        pathRow "model" ours "" 0 "a model file instead of model_config: an IR JSON or a DeepCORO_CLIP model config" (fun p s -> {
            s with
                ModelPath = Some p
        })
        pathRow "manifest" ours "data" 1 "the CSV, one row per video" (fun p s -> { s with Data = s.Data.With(manifest = p) })
        d "separator" "the CSV's separator (default ,)" (read nonEmpty (data (fun v d -> d.With(separator = v))))
        pathRow "root" ours "data" 1 "folder that the manifest's relative paths resolve against" (fun p s -> {
            s with
                Data = s.Data.With(root = p)
        })
        d "study_column" "column grouping rows into studies" (read nonEmpty (data (fun v d -> d.With(studyColumn = v))))
        d "multi_video" "false: every row is a study of one video" (read flag (data (fun v d -> d.With(multiVideo = v))))
        d "split_column" "column naming each row's split" (read nonEmpty (data (fun v d -> d.With(splitColumn = v))))
        d
            "group_column"
            "column naming each study's group (a patient): a group in two splits draws a warning"
            (read nonEmpty (data (fun v d -> d.With(groupColumn = v))))
        pathRow "split_file" ours "data" 1 "CSV study_id,split replacing the split column for its studies (cv folds)" (fun p s -> {
            s with
                Data = s.Data.With(splitFile = p)
        })
        d "path_column" "column naming each row's embedding (or video) file" (read nonEmpty (data (fun v d -> d.With(pathColumn = v))))
        d
            "view_column"
            "column of each video's view (an id, or a name with view_labels_map)"
            (read nonEmpty (data (fun v d -> d.With(viewColumn = v))))
        d "view_labels_map" "view names -> ids" (read ids (data (fun v d -> d.With(viewLabelsMap = v))))
        d
            "layout"
            "video: a file per video; study: a file per study"
            (read (choice [ "video", FileLayout.Video; "study", FileLayout.Study ]) (data (fun v d -> d.With(layout = v))))
        d
            "label_columns"
            "each head's label column (default: the head's name)"
            (read (perHead nonEmpty) (data (fun v d -> d.With(labelColumns = dict v))))
        d "labels_map" "each class head's label names -> class ids" (read labelsMap (fun v s -> { s with LabelsMap = v }))
        d
            "survival_columns"
            "each survival head's [TIME_COLUMN, EVENT_COLUMN] (event 1, censored 0)"
            (read (perHead survivalPair) (data (fun v d -> d.With(survivalColumns = dict v))))
        d "splits" "the split names of train, val, test and inference" splits
        d "tokens" "tokens per video L (default: the first file's)" (read (int 1) (data (fun v d -> d.With(tokens = v))))
        d "num_videos" "videos per study at most" (read (int 1) (data (fun v d -> d.With(numVideos = v))))
        d
            "random_videos"
            "a random subset of a study's videos in training"
            (read flag (data (fun v d -> d.With(randomVideosInTraining = v))))
        d "batch_size" "studies per batch" (read (int 1) (data (fun v d -> d.With(batchSize = v))))
        d "prefetch" "batches read ahead" (read (int 1) (data (fun v d -> d.With(prefetch = v))))
        d "read_threads" "threads reading files" (read (int 1) (data (fun v d -> d.With(readThreads = v))))
        pathRow "embeddings" ours "data" 1 "folder of embeddings for a manifest of videos, found by file stem" (fun p s -> {
            s with
                Data = s.Data.With(embeddingsDir = p)
        })
        d
            "embeddings_keep_folders"
            "mirror the videos' sub-folders under the embeddings folder"
            (read flag (data (fun v d -> d.With(embeddingsKeepFolders = v))))
        o "name" "adamw or radam" (read (choice optimizerNames) (optimizer (fun v o -> o.With(kind = v))))
        o "lr" "the base learning rate" (read rate (optimizer (fun v o -> o.With(lr = v))))
        o "weight_decay" "the base weight decay" (read rate (optimizer (fun v o -> o.With(weightDecay = v))))
        o "betas" "Adam's betas" (read betas (optimizer (fun (b1, b2) o -> o.With(beta1 = b1, beta2 = b2))))
        o "eps" "Adam's epsilon" (read positive (optimizer (fun v o -> o.With(eps = v))))
        o "head_lr" "each head's rate (or one for all)" (read (perHead rate) (optimizer (fun v o -> o.With(headLr = dict v))))
        o
            "head_weight_decay"
            "each head's decay (or one for all)"
            (read (perHead rate) (optimizer (fun v o -> o.With(headWeightDecay = dict v))))
        o "attention_lr" "gated attention's rate" (read rate (optimizer (fun v o -> o.With(attentionLr = v))))
        o "attention_weight_decay" "gated attention's decay" (read rate (optimizer (fun v o -> o.With(attentionWeightDecay = v))))
        o "attention_across_lr" "the cls token and its layers' rate" (read rate (optimizer (fun v o -> o.With(attentionAcrossLr = v))))
        o
            "attention_across_weight_decay"
            "the cls token and its layers' decay"
            (read rate (optimizer (fun v o -> o.With(attentionAcrossWeightDecay = v))))
        o
            "attention_within_lr"
            "the within-video cls layers' rate (a group of their own)"
            (read rate (optimizer (fun v o -> o.With(attentionWithinLr = v))))
        o
            "attention_within_weight_decay"
            "the within-video cls layers' decay"
            (read rate (optimizer (fun v o -> o.With(attentionWithinWeightDecay = v))))
        o "view_embedding_lr" "the view embedding's rate" (read rate (optimizer (fun v o -> o.With(viewEmbeddingLr = v))))
        o
            "view_embedding_weight_decay"
            "the view embedding's decay"
            (read rate (optimizer (fun v o -> o.With(viewEmbeddingWeightDecay = v))))
        o
            "train_pooling"
            "false freezes the pooling (cls token, attention layers, norms, gates)"
            (read flag (optimizer (fun v o -> o.With(trainPooling = v))))
        row
            "video_encoder_lr"
            ours
            "optimizer"
            Honoured
            1
            "the encoder's rate (with an encoder)"
            (read rate (encoder (fun v e -> e.With(lr = v))))
        row
            "video_encoder_weight_decay"
            ours
            "optimizer"
            Honoured
            1
            "the encoder's decay (with an encoder)"
            (read rate (encoder (fun v e -> e.With(weightDecay = v))))
        {
            row
                "path"
                ours
                "encoder"
                Honoured
                1
                "a TorchScript encoder (tools/export_encoder.py) trained with the probe from the manifest's videos"
                (fun c node s ->
                    match path c node s with
                    | Some p -> { s with Encoder = s.Encoder.With(path = p) }
                    | None -> s) with
                IsPath = true
        }
        row
            "freeze_ratio"
            ours
            "encoder"
            Honoured
            1
            "the share of its parameter tensors that train, from the top (1: none)"
            (read (fun c n -> c.Reader.Between(0.0, 1.0, false, c.Key, n)) (encoder (fun v e -> e.With(freezeRatio = v))))
        row "frames" ours "encoder" Honoured 1 "frames per video" (read (int 1) (encoder (fun v e -> e.With(frames = v))))
        row
            "stride"
            ours
            "encoder"
            Honoured
            1
            "frame stride (above 1: drawn from 1..stride at each read)"
            (read (int 1) (encoder (fun v e -> e.With(stride = v))))
        row "resize" ours "encoder" Honoured 1 "frame size" (read (int 1) (encoder (fun v e -> e.With(resize = v))))
        row
            "mean"
            ours
            "encoder"
            Honoured
            1
            "pixel normalisation's mean (computed from training videos when absent)"
            (read numbers (encoder (fun v e -> e.With(datasetMean = v))))
        row "std" ours "encoder" Honoured 1 "pixel normalisation's std" (read numbers (encoder (fun v e -> e.With(datasetStd = v))))
        row
            "rand_augment"
            ours
            "encoder"
            Honoured
            1
            "the training videos through RandAugment (magnitude 9, two operations) at every epoch, as the reference trains"
            (read flag (encoder (fun v e -> e.With(randAugment = v))))
        {
            row
                "cache"
                ours
                "encoder"
                Honoured
                1
                "where the frozen prefix's outputs are kept (default: beside the manifest)"
                (fun c node s ->
                    match path c node s with
                    | Some p -> { s with Encoder = s.Encoder.With(cacheDirectory = p) }
                    | None -> s) with
                IsPath = true
        }
        sc "name" "the learning-rate schedule" (read (choice scheduleNames) (schedule (fun v o -> o.With(kind = v))))
        sc "lr_step_period" "step: epochs per step" (read positive (schedule (fun v o -> o.With(stepPeriodEpochs = v))))
        sc "factor" "step: the factor per period" (read positive (schedule (fun v o -> o.With(factor = v))))
        sc "num_warmup_percent" "warmup share of all steps" (read warmup (schedule (fun v o -> o.With(warmupFraction = v))))
        sc
            "warm_restart_period"
            "cosine_warm_restart: first cycle in epochs"
            (read positive (schedule (fun v o -> o.With(restartPeriodEpochs = v))))
        sc
            "warm_restart_tmult"
            "cosine_warm_restart: growth of each cycle"
            (read (int 1) (schedule (fun v o -> o.With(restartMultiplier = v))))
        sc
            "num_hard_restarts_cycles"
            "cosine_with_hard_restarts_with_warmup: cycles"
            (read positive (schedule (fun v o -> o.With(hardRestartCycles = v))))
        sc
            "min_lr_factor"
            "cosine: the floor as a share of the rate"
            (read (fun c n -> c.Reader.Between(0.0, 1.0, false, c.Key, n)) (schedule (fun v o -> o.With(minFactor = v))))
        t "epochs" "epochs" (read (int 1) (train (fun v t -> t.With(epochs = v))))
        t "seed" "the seed of initialisation, shuffling and dropout" (read anyInt (train (fun v t -> t.With(seed = v))))
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
        t "max_grad_norm" "clip the gradient norm (null: no clipping)" clipping
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
            "confidence_level"
            "bootstrap confidence intervals' level"
            (read (fun c n -> c.Reader.Between(0.5, 1.0, true, c.Key, n)) (intervals (fun v i -> i.With(level = v))))
        t "bootstraps" "bootstrap resamples (0: no intervals)" (read (int 0) (intervals (fun v i -> i.With(resamples = v))))
        t
            "threshold_rule"
            "the operating threshold chosen on validation and locked (thresholds.json): gmean, youden, sensitivity:S, specificity:S or a number (docs/evaluation.md)"
            (read thresholdRule (thresholds (fun v o -> o.With(rule = v))))
        t
            "threshold_rules"
            "training.threshold_rule per head, e.g. { contrast: sensitivity:0.9 }"
            (read (perHead thresholdRule) (thresholds (fun v o -> o.With(perHead = dict v))))
        t
            "recalibration"
            "fitted on validation, applied to every later prediction (calibration.json): platt or isotonic (binary), temperature (multiclass), none; one for all heads or per head"
            (read (perHead (choice recalibrationNames)) (train (fun v t -> t.With(recalibration = dict v))))
        t
            "telemetry"
            "attention, gradient, cls-token and memory figures every epoch (false: none; the non-finite guard runs either way)"
            (read flag (telemetry (fun v o -> o.With(enabled = v))))
        t "telemetry_every" "optimizer steps between two gradient samples" (read (int 1) (telemetry (fun v o -> o.With(sampleEvery = v))))
        t
            "max_nonfinite_steps"
            "optimizer steps in a row skipped for a non-finite loss or gradient that stop the run"
            (read (int 1) (telemetry (fun v o -> o.With(maxConsecutiveSkips = v))))
        r "mode" "what `deepcoro run` does: train, val, test or inference" (read (choice runModes) (run (fun v r -> { r with Mode = v })))
        pathRow "weights" ours "run" 0 "the weights val, test and inference read (.safetensors or a DeepCORO_CLIP .pt)" (fun p s -> {
            s with
                Run = { s.Run with InferenceModel = Some p }
        })
        pathRow "output" ours "run" 0 "the run directory (the command line's --output wins)" (fun p s -> {
            s with
                Run = { s.Run with OutputDir = Some p }
        })
        r "save_embeddings" "write the study embeddings (the pooled vectors)" (read flag (run (fun v r -> { r with SaveEmbeddings = v })))
        r
            "embedding_file"
            "their file name (.safetensors, or .pt for a torch.save file)"
            (read nonEmpty (run (fun v r -> { r with EmbeddingFile = Some v })))
    ]

/// DeepCORO_CLIP's flat keys (LinearProbingConfig and HeartWiseConfig at its HEAD) other than model keys, and this
/// product's extensions in that layout.
let private referenceKeys =
    let h name pass doc apply = row name reference "" Honoured pass doc apply
    let encoderOnly name doc = row name reference "" EncoderOnly 1 doc keep
    // keys of the encoder that a run with an encoder honours; without one they have nothing to act on
    let withEncoder name doc apply = row name reference "" WithEncoder 1 doc apply
    let ignored name why = row name reference "" (Ignored why) 1 why keep
    [
        h
            "pipeline_project"
            0
            "checked: a linear-probing project (or the PCI embedding extraction)"
            (read pipeline (fun v s -> { s with Run = { s.Run with Pipeline = Some v } }))
        h
            "run_mode"
            0
            "what `deepcoro run` does: train, val, test or inference"
            (read (choice runModes) (run (fun v r -> { r with Mode = v })))
        h "epochs" 1 "training.epochs" (read (int 1) (train (fun v t -> t.With(epochs = v))))
        h "seed" 1 "training.seed" (read anyInt (train (fun v t -> t.With(seed = v))))
        pathRow "output_dir" reference "" 1 "the run directory when --output is not given" (fun p s -> {
            s with
                Run = { s.Run with OutputDir = Some p }
        })
        h "head_lr" 1 "each head's rate (a number: every head's)" (read (perHead rate) (optimizer (fun v o -> o.With(headLr = dict v))))
        h
            "head_weight_decay"
            1
            "each head's decay (a number: every head's)"
            (read (perHead rate) (optimizer (fun v o -> o.With(headWeightDecay = dict v))))
        h "scheduler_name" 1 "scheduler.name" (read (choice scheduleNames) (schedule (fun v o -> o.With(kind = v))))
        h "lr_step_period" 1 "scheduler.lr_step_period" (read positive (schedule (fun v o -> o.With(stepPeriodEpochs = v))))
        h "factor" 1 "scheduler.factor" (read positive (schedule (fun v o -> o.With(factor = v))))
        h "optimizer" 1 "optimizer.name: AdamW or RAdam" (read (choice optimizerNames) (optimizer (fun v o -> o.With(kind = v))))
        h
            "gradient_accumulation_steps"
            1
            "training.gradient_accumulation_steps"
            (read
                (fun c n ->
                    c.Reader.IntAtLeast(1, c.Key, n)
                    |> Option.filter (fun v ->
                        v <= 100000
                        || (c.Reader.Error(n, sprintf "%s: at most 100000, got %d" c.Key v)
                            false)))
                (train (fun v t -> t.With(gradientAccumulation = v))))
        h "num_warmup_percent" 1 "scheduler.num_warmup_percent" (read warmup (schedule (fun v o -> o.With(warmupFraction = v))))
        h
            "num_hard_restarts_cycles"
            1
            "scheduler.num_hard_restarts_cycles"
            (read positive (schedule (fun v o -> o.With(hardRestartCycles = v))))
        h
            "warm_restart_tmult"
            1
            "scheduler.warm_restart_tmult (2.0 reads as 2)"
            (read (int 1) (schedule (fun v o -> o.With(restartMultiplier = v))))
        pathRow "data_filename" reference "" 1 "data.manifest (relative paths: the working directory, as DeepCORO_CLIP)" (fun p s -> {
            s with
                Data = s.Data.With(manifest = p)
        })
        h "num_workers" 1 "data.read_threads" (read (int 1) (data (fun v d -> d.With(readThreads = v))))
        h "batch_size" 1 "data.batch_size" (read (int 1) (data (fun v d -> d.With(batchSize = v))))
        h "datapoint_loc_label" 1 "data.path_column" (read nonEmpty (data (fun v d -> d.With(pathColumn = v))))
        h "target_label" 1 "the label columns; each head reads the column of its name" (fun c node s ->
            match c.Reader.Texts(c.Key, node) with
            | Some labels -> { s with TargetLabels = Some(labels, node) }
            | None -> s)
        h
            "labels_map"
            1
            "class names of classification heads (predictions, confusion matrix); display only for regression heads"
            (read labelsMap (fun v s -> { s with LabelsMap = v }))
        h
            "multi_video"
            1
            "data.multi_video: false makes every row a study of one video"
            (read flag (data (fun v d -> d.With(multiVideo = v))))
        h "groupby_column" 1 "data.study_column" (read nonEmpty (data (fun v d -> d.With(studyColumn = v))))
        h
            "survival_columns"
            1
            "data.survival_columns (an extension of DeepCORO_CLIP)"
            (read (perHead survivalPair) (data (fun v d -> d.With(survivalColumns = dict v))))
        h "num_videos" 1 "data.num_videos" (read (int 1) (data (fun v d -> d.With(numVideos = v))))
        h
            "shuffle_videos"
            1
            "data.random_videos: a random subset of each study's videos in training"
            (read flag (data (fun v d -> d.With(randomVideosInTraining = v))))
        h "attention_lr" 1 "optimizer.attention_lr (gated attention)" (read rate (optimizer (fun v o -> o.With(attentionLr = v))))
        h
            "attention_weight_decay"
            1
            "optimizer.attention_weight_decay"
            (read rate (optimizer (fun v o -> o.With(attentionWeightDecay = v))))
        h
            "attention_within_lr"
            1
            "the within-video cls layers' group (DeepCORO_CLIP parses it and never uses it)"
            (read rate (optimizer (fun v o -> o.With(attentionWithinLr = v))))
        h
            "attention_within_weight_decay"
            1
            "the within-video cls layers' decay (never used by DeepCORO_CLIP)"
            (read rate (optimizer (fun v o -> o.With(attentionWithinWeightDecay = v))))
        h
            "attention_across_lr"
            1
            "optimizer.attention_across_lr (the cls token and its layers)"
            (read rate (optimizer (fun v o -> o.With(attentionAcrossLr = v))))
        h
            "attention_across_weight_decay"
            1
            "optimizer.attention_across_weight_decay"
            (read rate (optimizer (fun v o -> o.With(attentionAcrossWeightDecay = v))))
        pathRow "inference_model_path" reference "" 1 "the weights val, test and inference read (.pt or .safetensors)" (fun p s -> {
            s with
                Run = { s.Run with InferenceModel = Some p }
        })
        h
            "ci_confidence_level"
            1
            "bootstrap confidence intervals' level (DeepCORO_CLIP never computes them)"
            (read (fun c n -> c.Reader.Between(0.5, 1.0, true, c.Key, n)) (intervals (fun v i -> i.With(level = v))))
        h "ci_n_bootstrap" 1 "bootstrap resamples (0: no intervals)" (read (int 0) (intervals (fun v i -> i.With(resamples = v))))
        h
            "threshold_rule"
            1
            "training.threshold_rule (not in DeepCORO_CLIP, which picks a threshold on each split)"
            (read thresholdRule (thresholds (fun v o -> o.With(rule = v))))
        h "threshold_rules" 1 "training.threshold_rules" (read (perHead thresholdRule) (thresholds (fun v o -> o.With(perHead = dict v))))
        h
            "recalibration"
            1
            "training.recalibration (not in DeepCORO_CLIP)"
            (read (perHead (choice recalibrationNames)) (train (fun v t -> t.With(recalibration = dict v))))
        h
            "train_pooling_params"
            1
            "false freezes the pooling (cls token, attention layers, norms, gates)"
            (read flag (optimizer (fun v o -> o.With(trainPooling = v))))
        h
            "view_column"
            1
            "data.view_column; without it DeepCORO_CLIP builds no view embedding"
            (read nonEmpty (data (fun v d -> d.With(viewColumn = v))))
        h "view_labels_map" 1 "data.view_labels_map: view names -> ids (missing: Other, unknown: padding)" (fun c node s ->
            match node with
            | :? YamlScalarNode as n when n.Value = "" || n.Value = "null" || n.Value = "~" -> s
            | _ -> read ids (data (fun v d -> d.With(viewLabelsMap = v))) c node s)
        h
            "view_embedding_lr"
            1
            "optimizer.view_embedding_lr (DeepCORO_CLIP falls back to attention_lr)"
            (read rate (optimizer (fun v o -> o.With(viewEmbeddingLr = v))))
        h
            "view_embedding_weight_decay"
            1
            "optimizer.view_embedding_weight_decay (falls back to attention_weight_decay)"
            (read rate (optimizer (fun v o -> o.With(viewEmbeddingWeightDecay = v))))
        h "max_grad_norm" 1 "clip the gradient norm (DeepCORO_CLIP's probe does not clip: none unless given)" clipping
        h
            "save_embeddings"
            1
            "write the study embeddings (.safetensors unless embedding_output_file ends in .pt)"
            (read flag (run (fun v r -> { r with SaveEmbeddings = v })))
        h "embedding_output_file" 1 "the study embeddings' file name" (read nonEmpty (run (fun v r -> { r with EmbeddingFile = Some v })))
        pathRow
            "embeddings_dir"
            reference
            ""
            1
            "folder of embeddings for the CSV's videos, found by file stem (same as --embeddings)"
            (fun p s -> { s with Data = s.Data.With(embeddingsDir = p) })
        h
            "embeddings_keep_folders"
            1
            "mirror the videos' sub-folders under embeddings_dir"
            (read flag (data (fun v d -> d.With(embeddingsKeepFolders = v))))
        h
            "as_reference_built"
            0
            "build what DeepCORO_CLIP builds (same as --as-reference-built)"
            (read flag (run (fun v r -> { r with AsReferenceBuilt = v })))
        {
            row
                "video_encoder_torchscript"
                reference
                ""
                Honoured
                1
                "the encoder exported by tools/export_encoder.py: trained with the probe from the CSV's videos (same as --encoder)"
                (fun c node s ->
                    match path c node s with
                    | Some p -> { s with Encoder = s.Encoder.With(path = p) }
                    | None -> s) with
                IsPath = true
        }
        encoderOnly "dropout" "the video encoder's dropout (the pooling's is dropout_attention)"
        encoderOnly "model_name" "the encoder's backbone (an exported encoder is what it is)"
        encoderOnly "aggregator_depth" "the encoder's aggregator layers"
        encoderOnly "num_heads" "the encoder's aggregator heads (the pooling's are num_attention_heads)"
        encoderOnly "pretrained" "the encoder's pretrained weights"
        encoderOnly "video_encoder_checkpoint_path" "the encoder's PyTorch checkpoint (export it with tools/export_encoder.py)"
        withEncoder
            "rand_augment"
            "encoder.rand_augment: the training videos through RandAugment (magnitude 9, two operations) at every epoch"
            (read flag (encoder (fun v e -> e.With(randAugment = v))))
        withEncoder
            "video_freeze_ratio"
            "encoder.freeze_ratio: the encoder's trained share of parameter tensors"
            (read (fun c n -> c.Reader.Between(0.0, 1.0, false, c.Key, n)) (encoder (fun v e -> e.With(freezeRatio = v))))
        withEncoder "video_encoder_lr" "optimizer.video_encoder_lr: the encoder's rate" (read rate (encoder (fun v e -> e.With(lr = v))))
        withEncoder
            "video_encoder_weight_decay"
            "optimizer.video_encoder_weight_decay: the encoder's decay"
            (read rate (encoder (fun v e -> e.With(weightDecay = v))))
        withEncoder "resize" "encoder.resize: frame size" (read (int 1) (encoder (fun v e -> e.With(resize = v))))
        withEncoder "frames" "encoder.frames: frames per video" (read (int 1) (encoder (fun v e -> e.With(frames = v))))
        withEncoder
            "stride"
            "encoder.stride: frame stride (above 1: drawn from 1..stride at each read, as the reference)"
            (read (int 1) (encoder (fun v e -> e.With(stride = v))))
        withEncoder
            "dataset_mean"
            "encoder.mean: pixel normalisation (computed from training videos when absent)"
            (read numbers (encoder (fun v e -> e.With(datasetMean = v))))
        withEncoder "dataset_std" "encoder.std: pixel normalisation" (read numbers (encoder (fun v e -> e.With(datasetStd = v))))
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

/// Every key of every layout.
let all = modelKeys @ nestedKeys @ referenceKeys

/// The nested layout's sections (top-level keys).
let sections = [ "model_config"; "model"; "data"; "optimizer"; "scheduler"; "training"; "run"; "encoder" ]

/// The keys read in a layout and (for the nested layout) a section.
let keysOf (layout: Layout) (section: string) =
    all |> List.filter (fun k -> List.contains layout k.Layouts && (layout <> Nested || k.Section = section))

/// The key of this product's layout that a DeepCORO_CLIP key is, as its row's doc starts ("scheduler.name ...",
/// "encoder.freeze_ratio: ..."): section and key, when it has one.
let counterpart (key: ConfigKey) =
    let m = System.Text.RegularExpressions.Regex.Match(key.Doc, @"^([a-z_]+)\.([a-z_]+)\b")
    if
        m.Success
        && List.contains Reference key.Layouts
        && keysOf Nested m.Groups[1].Value |> List.exists (fun k -> k.Name = m.Groups[2].Value)
    then
        Some(m.Groups[1].Value, m.Groups[2].Value)
    else
        None

/// A key's status as the docs table words it.
let statusText (key: ConfigKey) =
    match key.Status with
    | Honoured -> "honoured"
    | EncoderOnly -> "encoder only"
    | WithEncoder -> "with an encoder"
    | Ignored _ -> "ignored"

/// docs/config-keys.md's tables: DeepCORO_CLIP's flat keys, then this product's sections.
let markdown () =
    let escape (s: string) = s.Replace("|", "\\|")
    let rows (keys: ConfigKey list) = [
        yield "| key | here | what it does, or why not |"
        yield "|---|---|---|"
        for k in keys -> sprintf "| `%s` | %s | %s |" k.Name (statusText k) (escape k.Doc)
    ]
    [
        yield "## DeepCORO_CLIP's flat layout"
        yield ""
        yield! rows (keysOf Reference "" |> List.sortBy (fun k -> k.Name))
        for section in [ "model_config"; "data"; "optimizer"; "scheduler"; "training"; "run"; "encoder" ] do
            yield ""
            yield sprintf "## `%s:`" section
            yield ""
            yield! rows (keysOf Nested section)
    ]
    |> String.concat "\n"
