/// The training config: YAML with a strict schema. Sections `model_config` (DeepCORO_CLIP model keys, imported by
/// DeepCoroConfig) or `model` (a path to an IR JSON or a DeepCORO_CLIP config), `data`, `optimizer`, `scheduler`
/// and `training`; the reference's flat linear-probing keys are accepted at the top level and mapped (see
/// docs/training.md). Unknown keys are errors with line, column and the closest known key.
module DeepCoro.Config.TrainConfig

open System
open System.Collections.Generic
open System.IO
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Yaml
open DeepCoro.Config
open DeepCoro.Config.DeepCoroConfig
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Training

/// A parsed training config: the model, how to read the data, how to train; warnings for ignored reference keys.
type TrainConfig =
    { Path: string
      Spec: ModelSpec
      Data: DataOptions
      Train: TrainOptions
      Warnings: string list }

let private scheduleNames =
    [ "constant", ScheduleKind.Constant; "step", ScheduleKind.Step; "cosine", ScheduleKind.Cosine
      "cosine_warm_restart", ScheduleKind.CosineWarmRestart; "linear_warmup", ScheduleKind.LinearWarmup
      "cosine_with_warmup", ScheduleKind.CosineWithWarmup
      "cosine_with_hard_restarts_with_warmup", ScheduleKind.CosineWithHardRestartsWithWarmup ]

let private optimizerNames = [ "adamw", OptimizerKind.AdamW; "radam", OptimizerKind.RAdam ]

/// Reference keys that concern its video encoder, AMP or W&B: accepted, ignored with a warning.
let private ignoredReferenceKeys =
    [ "video_encoder_lr"; "video_encoder_weight_decay"; "use_amp"; "stride"; "aggregate_videos_tokens"; "per_video_pool"
      "model_name"; "project"; "entity"; "tag"; "name"; "wandb_project"; "wandb_entity"; "pipeline_project"; "use_wandb"
      "video_freeze_ratio"; "frames"; "num_workers"; "pretrained"; "base_checkpoint_path"; "run_mode"; "output_dir" ]

/// This format's phrasing: "expected a number, got 'x'"; values may be quoted; choices ignore case.
let private wording =
    YamlWording(
        StringName = "a single value", ChoicesIgnoreCase = true,
        Expected =
            fun what expected found ->
                match found with
                | _ when expected = "a map" -> sprintf "%s: expected a map" what
                | :? YamlScalarNode as s -> sprintf "%s: expected %s, got '%s'" what expected s.Value
                | _ -> sprintf "%s: expected a single value" what)

/// The shared reader with Option results, and this format's own checks.
type private Reader(file: string) =
    inherit YamlDocumentReader(file, wording)
    member r.Scalar(key: string, node: YamlNode) = r.String(node, key) |> Option.ofObj
    member r.Float(key: string, node: YamlNode) = r.Float(node, key) |> Option.ofNullable
    member r.Int(key: string, node: YamlNode) = r.Int(node, key) |> Option.ofNullable
    member r.Positive(key, node: YamlNode) =
        r.Int(key, node) |> Option.bind (fun i -> if i >= 1 then Some i else r.Error(node, sprintf "%s: must be at least 1, got %d" key i); None)
    member r.Bool(key: string, node: YamlNode) = r.Bool(node, key) |> Option.ofNullable
    member r.Choice(key: string, choices: (string * 'T) list, node: YamlNode) =
        match r.TryChoice(node, key, choices |> List.map KeyValuePair) with
        | true, x -> Some x
        | _ -> None
    /// The entries of a map; given a known list, unknown keys are reported and left out.
    member r.Map(key: string, node: YamlNode, known: string list) : (string * YamlNode * YamlNode) list =
        match r.Map(node, key) with
        | null -> []
        | m -> (if known.IsEmpty then m.Entries else m.Known(known)) |> Seq.map (fun e -> e.Key, e.KeyNode, e.Value) |> List.ofSeq
    /// A head -> value map, or one value for every head.
    member r.PerHead(key: string, node: YamlNode, heads: string list, read: string * YamlNode -> 'T option) : Map<string, 'T> =
        match node with
        | :? YamlScalarNode -> read (key, node) |> Option.map (fun v -> heads |> List.map (fun h -> h, v) |> Map.ofList) |> Option.defaultValue Map.empty
        | _ ->
            r.Map(key, node, [])
            |> List.choose (fun (h, kn, v) ->
                if List.contains h heads then read (sprintf "%s.%s" key h, v) |> Option.map (fun x -> h, x)
                else r.Error(kn, sprintf "%s: '%s' is not a head of the model; %s" key h (Suggestions.Hint(h, heads))); None)
            |> Map.ofList

let dataKeys =
    [ "manifest"; "separator"; "root"; "study_column"; "split_column"; "path_column"; "view_column"; "layout"; "label_columns"
      "labels_map"; "splits"; "tokens"; "num_videos"; "random_videos"; "batch_size"; "prefetch"; "read_threads" ]

let optimizerKeys =
    [ "name"; "lr"; "weight_decay"; "betas"; "eps"; "head_lr"; "head_weight_decay"; "attention_lr"; "attention_weight_decay"
      "attention_across_lr"; "attention_across_weight_decay"; "view_embedding_lr"; "view_embedding_weight_decay"; "video_encoder_lr" ]

let schedulerKeys =
    [ "name"; "lr_step_period"; "factor"; "num_warmup_percent"; "warm_restart_period"; "warm_restart_tmult"; "num_hard_restarts_cycles"; "min_lr_factor" ]

let trainingKeys =
    [ "epochs"; "seed"; "gradient_accumulation_steps"; "max_grad_norm"; "monitor"; "patience"; "min_delta"; "huber_delta"; "focal_gamma"; "device" ]

/// Reference keys accepted at the top level, each mapped into a section (documented in docs/training.md).
let referenceKeys =
    [ "epochs", "training"; "seed", "training"; "gradient_accumulation_steps", "training"; "max_grad_norm", "training"
      "batch_size", "data"; "num_videos", "data"; "data_filename", "data:manifest"; "root", "data"; "datapoint_loc_label", "data:path_column"
      "lr", "optimizer"; "weight_decay", "optimizer"; "head_lr", "optimizer"; "head_weight_decay", "optimizer"
      "attention_lr", "optimizer"; "attention_weight_decay", "optimizer"; "attention_across_lr", "optimizer"
      "attention_across_weight_decay", "optimizer"; "view_embedding_lr", "optimizer"; "labels_map", "data"
      "scheduler_name", "scheduler:name"; "lr_step_period", "scheduler"; "factor", "scheduler"; "num_warmup_percent", "scheduler"
      "num_hard_restarts_cycles", "scheduler"; "warm_restart_tmult", "scheduler"; "video_config", "data" ]
    |> Map.ofList

let topKeys =
    [ "model_config"; "model"; "data"; "optimizer"; "scheduler"; "training" ] @ (referenceKeys |> Map.toList |> List.map fst) @ ignoredReferenceKeys

/// Parses a training config file; ConfigError with every error located in the file.
let parse (path: string) (text: string) : TrainConfig =
    let file = Path.GetFileName path
    let dir = Path.GetDirectoryName(Path.GetFullPath path)
    let r = Reader(file)
    let root = r.Load(text, "the config is empty")
    if isNull root then raise (ConfigError(List.ofSeq r.Errors))
    let importWarnings = ResizeArray<string>()
    let top = r.Map("the config", root, topKeys)
    let find k = top |> List.tryFind (fun (n, _, _) -> n = k)
    let resolve (p: string) = if Path.IsPathRooted p then p else Path.Combine(dir, p)

    // the model: model_config (imported by DeepCoroConfig from the same text, so its lines stay right) or model: path
    let spec =
        match find "model_config", find "model" with
        | Some _, Some(_, kn, _) -> r.Error(kn, "give either model_config (DeepCORO_CLIP model keys) or model (a path), not both"); None
        | Some _, None ->
            try
                let result = DeepCoroConfig.import file text
                importWarnings.AddRange(result.Warnings |> List.map string)
                Some result.Spec
            with :? ConfigError as e -> r.Errors.AddRange e.Diagnostics; None
        | None, Some(_, _, node) ->
            r.Scalar("model", node) |> Option.bind (fun p ->
                let full = resolve p
                if not (File.Exists full) then r.Error(node, sprintf "model: %s: file not found" full); None
                else
                    try
                        if full.EndsWith ".json" && (File.ReadAllText full).Contains "\"irVersion\"" then Some(SpecJson.Parse(File.ReadAllText full, full))
                        else Some(DeepCoroConfig.load full)
                    with
                    | :? ConfigError as e -> r.Errors.AddRange e.Diagnostics; None
                    | :? SpecException as e -> r.Error(node, e.Message); None)
        | None, None -> r.Error(root, "missing the model: add model_config (DeepCORO_CLIP model keys) or model: <path to an IR JSON>"); None
    let heads = spec |> Option.map (fun s -> [ for h in s.Heads -> h.Name ]) |> Option.defaultValue []

    // values, with defaults; sections and mapped reference keys write the same slots
    let d = DataOptions(Manifest = "")
    let mutable manifest, separator, rootDir = None, d.Separator, None
    let mutable studyCol, splitCol, pathCol, viewCol, layout = d.StudyColumn, d.SplitColumn, d.PathColumn, None, d.Layout
    let mutable labelCols, labelsMap = Map.empty, Map.empty
    let mutable trainSplit, valSplit, testSplit = d.TrainSplit, d.ValSplit, d.TestSplit
    let mutable tokens, numVideos, randomVideos, batchSize, prefetch, readThreads = None, d.NumVideos, true, d.BatchSize, d.Prefetch, d.ReadThreads
    let o = OptimizerOptions()
    let mutable optKind, lr, wd, beta1, beta2, eps = o.Kind, o.Lr, o.WeightDecay, o.Beta1, o.Beta2, o.Eps
    let mutable headLr, headWd = Map.empty, Map.empty
    let mutable attLr, attWd, accLr, accWd, viewLr, viewWd = None, None, None, None, None, None
    let sch = ScheduleOptions()
    let mutable schKind, stepPeriod, factor, warmup, restartPeriod, restartMult, cycles, minFactor =
        sch.Kind, sch.StepPeriodEpochs, sch.Factor, sch.WarmupFraction, sch.RestartPeriodEpochs, sch.RestartMultiplier, sch.HardRestartCycles, sch.MinFactor
    let t = TrainOptions()
    let mutable epochs, seed, accum, clip, monitor, patience, minDelta = t.Epochs, t.Seed, t.GradientAccumulation, t.ClipNorm, t.Monitor, t.Patience, t.MinDelta
    let mutable huber, gamma, device = t.Loss.HuberDelta, t.Loss.FocalGamma, t.Device

    let set (o: 'T option) (f: 'T -> unit) = Option.iter f o
    let dataKey (k: string, kn: YamlNode, v: YamlNode) =
        let key = "data." + k
        match k with
        | "manifest" -> set (r.Scalar(key, v)) (fun p -> manifest <- Some(resolve p))
        | "separator" -> set (r.Scalar(key, v)) (fun s -> if s = "" then r.Error(v, "data.separator: must not be empty") else separator <- s)
        | "root" -> set (r.Scalar(key, v)) (fun p -> rootDir <- Some(resolve p))
        | "study_column" -> set (r.Scalar(key, v)) (fun s -> studyCol <- s)
        | "split_column" -> set (r.Scalar(key, v)) (fun s -> splitCol <- s)
        | "path_column" -> set (r.Scalar(key, v)) (fun s -> pathCol <- s)
        | "view_column" -> set (r.Scalar(key, v)) (fun s -> viewCol <- Some s)
        | "layout" -> set (r.Choice(key, [ "video", FileLayout.Video; "study", FileLayout.Study ], v)) (fun l -> layout <- l)
        | "label_columns" -> labelCols <- r.PerHead(key, v, heads, r.Scalar)
        | "labels_map" ->
            labelsMap <- r.PerHead(key, v, heads, fun (k, node) ->
                Some(r.Map(k, node, []) |> List.choose (fun (name, _, idx) -> r.Int(sprintf "%s.%s" k name, idx) |> Option.map (fun i -> name, i)) |> Map.ofList))
        | "splits" ->
            for (s, _, n) in r.Map(key, v, [ "train"; "val"; "test" ]) do
                set (r.Scalar(sprintf "%s.%s" key s, n)) (fun name ->
                    match s with
                    | "train" -> trainSplit <- name
                    | "val" -> valSplit <- name
                    | _ -> testSplit <- name)
        | "tokens" -> set (r.Positive(key, v)) (fun i -> tokens <- Some i)
        | "num_videos" -> set (r.Positive(key, v)) (fun i -> numVideos <- i)
        | "random_videos" -> set (r.Bool(key, v)) (fun b -> randomVideos <- b)
        | "batch_size" -> set (r.Positive(key, v)) (fun i -> batchSize <- i)
        | "prefetch" -> set (r.Positive(key, v)) (fun i -> prefetch <- i)
        | "read_threads" -> set (r.Positive(key, v)) (fun i -> readThreads <- i)
        | "video_config" ->
            for (vk, vkn, vv) in r.Map("video_config", v, [ "num_videos"; "stride"; "aggregate_videos_tokens"; "per_video_pool"; "frames" ]) do
                if vk = "num_videos" then set (r.Positive("video_config.num_videos", vv)) (fun i -> numVideos <- i)
                else r.Warn(vkn, sprintf "video_config.%s concerns the video encoder; ignored (embeddings are read as stored)" vk)
        | _ -> r.Error(kn, sprintf "unknown key '%s' in data: %s" k (Suggestions.Hint(k, dataKeys)))
    let rate (key: string) (v: YamlNode) = r.Float(key, v) |> Option.bind (fun f -> if f >= 0.0 then Some f else r.Error(v, sprintf "%s: must be >= 0, got %g" key f); None)
    let optimizerKey (k: string, kn: YamlNode, v: YamlNode) =
        let key = "optimizer." + k
        match k with
        | "name" -> set (r.Choice(key, optimizerNames, v)) (fun x -> optKind <- x)
        | "lr" -> set (rate key v) (fun x -> lr <- x)
        | "weight_decay" -> set (rate key v) (fun x -> wd <- x)
        | "eps" -> set (rate key v) (fun x -> eps <- x)
        | "betas" ->
            match v with
            | :? YamlSequenceNode as s when s.Children.Count = 2 ->
                set (r.Float(key, s.Children.[0])) (fun b -> beta1 <- b)
                set (r.Float(key, s.Children.[1])) (fun b -> beta2 <- b)
            | _ -> r.Error(v, "optimizer.betas: expected two numbers, e.g. [0.9, 0.999]")
        | "head_lr" -> headLr <- r.PerHead(key, v, heads, fun (k, n) -> rate k n)
        | "head_weight_decay" -> headWd <- r.PerHead(key, v, heads, fun (k, n) -> rate k n)
        | "attention_lr" -> attLr <- rate key v
        | "attention_weight_decay" -> attWd <- rate key v
        | "attention_across_lr" -> accLr <- rate key v
        | "attention_across_weight_decay" -> accWd <- rate key v
        | "view_embedding_lr" -> viewLr <- rate key v
        | "view_embedding_weight_decay" -> viewWd <- rate key v
        | "video_encoder_lr" -> r.Warn(kn, "video_encoder_lr: no video encoder is trained here (embeddings are precomputed); ignored")
        | _ -> r.Error(kn, sprintf "unknown key '%s' in optimizer: %s" k (Suggestions.Hint(k, optimizerKeys)))
    let schedulerKey (k: string, kn: YamlNode, v: YamlNode) =
        let key = "scheduler." + k
        match k with
        | "name" -> set (r.Choice(key, scheduleNames, v)) (fun x -> schKind <- x)
        | "lr_step_period" -> set (r.Float(key, v)) (fun x -> stepPeriod <- x)
        | "factor" -> set (r.Float(key, v)) (fun x -> factor <- x)
        | "num_warmup_percent" ->
            // the reference writes a share (0.1); a value above 1 is read as percent; exactly 1 is a share (the
            // whole run warms up), which someone meaning 1 % is warned about
            set (r.Float(key, v)) (fun x ->
                if x < 0.0 || x > 100.0 then r.Error(v, sprintf "%s: expected a share in [0, 1] (or percent), got %g" key x)
                else
                    if x = 1.0 then r.Warn(v, sprintf "%s: 1 is read as a share: the whole run is warmup; write 0.01 for 1 %%" key)
                    warmup <- (if x > 1.0 then x / 100.0 else x))
        | "warm_restart_period" -> set (r.Float(key, v)) (fun x -> restartPeriod <- x)
        | "warm_restart_tmult" -> set (r.Positive(key, v)) (fun x -> restartMult <- x)
        | "num_hard_restarts_cycles" -> set (r.Float(key, v)) (fun x -> cycles <- x)
        | "min_lr_factor" -> set (r.Float(key, v)) (fun x -> minFactor <- x)
        | _ -> r.Error(kn, sprintf "unknown key '%s' in scheduler: %s" k (Suggestions.Hint(k, schedulerKeys)))
    let trainingKey (k: string, kn: YamlNode, v: YamlNode) =
        let key = "training." + k
        match k with
        | "epochs" -> set (r.Positive(key, v)) (fun x -> epochs <- x)
        | "seed" -> set (r.Int(key, v)) (fun x -> seed <- x)
        | "gradient_accumulation_steps" -> set (r.Positive(key, v)) (fun x -> accum <- x)
        | "max_grad_norm" ->
            match r.Scalar(key, v) with
            | Some("null" | "none" | "~") -> clip <- Nullable()
            | _ -> set (rate key v) (fun x -> clip <- Nullable x)
        | "monitor" -> set (r.Scalar(key, v)) (fun x -> monitor <- x)
        | "patience" -> set (r.Positive(key, v)) (fun x -> patience <- Nullable x)
        | "min_delta" -> set (rate key v) (fun x -> minDelta <- x)
        | "huber_delta" -> set (rate key v) (fun x -> huber <- x)
        | "focal_gamma" -> set (rate key v) (fun x -> gamma <- x)
        | "device" -> set (r.Scalar(key, v)) (fun x -> device <- x)
        | _ -> r.Error(kn, sprintf "unknown key '%s' in training: %s" k (Suggestions.Hint(k, trainingKeys)))

    for (k, kn, v) in top do
        match k with
        | "model_config" | "model" -> ()
        | "data" -> r.Map("data", v, dataKeys) |> List.iter dataKey
        | "optimizer" ->
            match v with
            | :? YamlScalarNode -> set (r.Choice("optimizer", optimizerNames, v)) (fun x -> optKind <- x)   // the reference's flat `optimizer: AdamW`
            | _ -> r.Map("optimizer", v, optimizerKeys) |> List.iter optimizerKey
        | "scheduler" -> r.Map("scheduler", v, schedulerKeys) |> List.iter schedulerKey
        | "training" -> r.Map("training", v, trainingKeys) |> List.iter trainingKey
        | _ when List.contains k ignoredReferenceKeys -> r.Warn(kn, sprintf "%s: a key of the reference's encoder/AMP/W&B set-up; ignored" k)
        | _ ->
            match referenceKeys.[k].Split ':' with
            | [| "data"; target |] -> dataKey (target, kn, v)
            | [| "scheduler"; target |] -> schedulerKey (target, kn, v)
            | [| "data" |] -> dataKey (k, kn, v)
            | [| "optimizer" |] -> optimizerKey (k, kn, v)
            | [| "scheduler" |] -> schedulerKey (k, kn, v)
            | _ -> trainingKey (k, kn, v)
    if manifest.IsNone then r.Error(root, "missing data.manifest: the CSV with one row per video")
    if r.Errors.Count > 0 || spec.IsNone then raise (ConfigError(List.ofSeq r.Errors))
    let dict (m: Map<string, 'T>) = Dictionary<string, 'T>(m) :> IReadOnlyDictionary<string, 'T>
    { Path = path
      Spec = spec.Value
      Data =
        DataOptions(
            Manifest = manifest.Value, Separator = separator, Root = Option.toObj rootDir, StudyColumn = studyCol, SplitColumn = splitCol,
            PathColumn = pathCol, ViewColumn = Option.toObj viewCol, Layout = layout, LabelColumns = dict labelCols,
            LabelsMap = dict (labelsMap |> Map.map (fun _ m -> dict m)), TrainSplit = trainSplit, ValSplit = valSplit, TestSplit = testSplit,
            Tokens = Option.toNullable tokens, NumVideos = numVideos, RandomVideosInTraining = randomVideos, BatchSize = batchSize,
            Prefetch = prefetch, ReadThreads = readThreads)
      Train =
        TrainOptions(
            Epochs = epochs, Seed = seed, GradientAccumulation = accum, ClipNorm = clip, Monitor = monitor, Patience = patience, MinDelta = minDelta,
            Loss = LossOptions(huber, gamma), Device = device,
            Optimizer =
                OptimizerOptions(
                    Kind = optKind, Lr = lr, WeightDecay = wd, Beta1 = beta1, Beta2 = beta2, Eps = eps, HeadLr = dict headLr, HeadWeightDecay = dict headWd,
                    AttentionLr = Option.toNullable attLr, AttentionWeightDecay = Option.toNullable attWd, AttentionAcrossLr = Option.toNullable accLr,
                    AttentionAcrossWeightDecay = Option.toNullable accWd, ViewEmbeddingLr = Option.toNullable viewLr, ViewEmbeddingWeightDecay = Option.toNullable viewWd),
            Schedule =
                ScheduleOptions(
                    Kind = schKind, StepPeriodEpochs = stepPeriod, Factor = factor, WarmupFraction = warmup, RestartPeriodEpochs = restartPeriod,
                    RestartMultiplier = restartMult, HardRestartCycles = cycles, MinFactor = minFactor))
      Warnings = [ yield! importWarnings; for w in r.Warnings -> string w ] }

/// Reads a training config file.
let load (path: string) =
    if not (File.Exists path) then raise (ArgumentException(sprintf "%s: config file not found" path))
    parse path (File.ReadAllText path)
