/// `deepcoro train | eval | predict | synth`: training runs, evaluation and predictions of a trained model, and
/// synthetic datasets in the real on-disk layout.
module DeepCoro.Cli.TrainCommands

open System
open System.IO
open Argu
open TorchSharp
open DeepCoro.Runtime
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Runtime.Training
open DeepCoro.Config
open DeepCoro.Config.UserError
open DeepCoro.Cli.CliError

type TrainArgs =
    | [<Mandatory; Unique>] Config of path: string
    | [<Unique>] Output of dir: string
    | Resume
    | [<Unique>] Epochs of int
    | [<Unique>] Device of string
    | [<Unique>] Encoder of path: string
    | As_Reference_Built
    | No_Report

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Encoder _ ->
                "a TorchScript encoder (tools/export_encoder.py): the manifest's videos go through it, its top trains with the probe (encoder.freeze_ratio)."
            | Config _ -> "training config (YAML; see docs/training.md)."
            | Output _ -> "run directory (default runs/<config name>)."
            | Resume -> "continue the run in --output from its last checkpoint."
            | Epochs _ -> "override training.epochs."
            | As_Reference_Built ->
                "build what DeepCORO_CLIP builds from a config in its layout (8 heads, separate layers, post-norm, no head dropout)."
            | No_Report -> "skip writing RUN/report/index.html at the end (`deepcoro report --run RUN` writes it later)."
            | Device _ -> "override training.device (auto, cpu, cuda, cuda:i)."

type EvalArgs =
    | [<Mandatory; Unique>] Run of dir: string
    | [<Unique>] Split of string
    | [<Unique>] Weights of path: string
    | [<Unique>] Subgroups of columns: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train."
            | Split _ -> "train, val or test (default val)."
            | Weights _ -> "weights to evaluate (default RUN/best.safetensors)."
            | Subgroups _ ->
                "also per head and subgroup of the manifest's columns, e.g. sex,age:50,65,80 (numeric columns cut at [50, 65) ...)."

type PredictArgs =
    | [<Mandatory; Unique>] Run of dir: string
    | [<Mandatory; Unique>] Manifest of path: string
    | [<Mandatory; Unique>] Output of path: string
    | [<Unique>] Weights of path: string
    | [<Unique>] Root of dir: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train (its config gives the model and the manifest's columns)."
            | Manifest _ -> "manifest to predict for (same columns as the training manifest; labels may be empty)."
            | Output _ -> "predictions CSV to write."
            | Weights _ -> "weights (default RUN/best.safetensors)."
            | Root _ -> "folder the manifest's relative paths resolve against (default the manifest's folder)."

type SynthArgs =
    | [<Mandatory; Unique>] Output of dir: string
    | [<Unique>] Studies of int
    | [<Unique>] Seed of int
    | [<Unique>] Dim of int
    | [<Unique>] Tokens of int
    | [<Unique>] Max_Videos of int
    | [<Unique>] Epochs of int
    | [<Unique>] Cohort of kind: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Cohort _ ->
                "planted (default: cathEF and abnormal), order (label from token order within a video and an interaction between videos) or average (label from the mean of every token); see docs/cross-validation.md."
            | Output _ -> "folder to write manifest.csv, embeddings/ and config.yaml into."
            | Studies _ -> "number of studies (default 300)."
            | Seed _ -> "random seed (default 1)."
            | Dim _ -> "embedding dim D (default 64)."
            | Tokens _ -> "tokens per video L (default 16)."
            | Max_Videos _ -> "videos per study, at most (default 4)."
            | Epochs _ -> "training.epochs written into config.yaml (default 20)."

/// Copies the config into a new run directory, as the run read it (ConfigFile.resolvedText: overrides applied, paths
/// absolute). A run that holds a checkpoint keeps its copy: --resume refuses other options, and a refused start must
/// not replace the copy of the run it refused to touch.
let private copyConfig (configPath: string) (options: ConfigFile.ReadOptions) (run: string) =
    let copy = RunAccess.configFile run
    if not (File.Exists(Path.Combine(run, "checkpoint.safetensors")) && File.Exists copy) then
        let full = Path.GetFullPath configPath
        let text =
            ConfigFile.resolvedText
                full
                (File.ReadAllText full)
                options
                (sprintf "copied by deepcoro from %s, overrides applied, relative paths made absolute" full)
        Directory.CreateDirectory run |> ignore
        AtomicFile.WriteText(copy, text)

/// Refuses a run directory whose files would replace the config or manifest being trained from (`--output D` for
/// `--config D/config.yaml`). A run with a checkpoint keeps its config copy, so resuming from that copy is fine.
let private refuseRunOverInputs (configPath: string) (manifest: string) (run: string) =
    let files = RunFiles(run)
    let written =
        (if File.Exists files.Checkpoint then [] else [ RunAccess.configFile run ])
        @ [ files.Spec; files.Best; files.Checkpoint; files.MetricsLog; files.Summary ]
        @ [ for split in [ "train"; "val"; "test" ] -> files.Predictions split ]
    for (flag, input) in [ "--config", configPath; "data.manifest", manifest ] do
        match written |> List.tryFind (fun w -> Path.GetFullPath w = Path.GetFullPath input) with
        | Some w ->
            raise (
                UsageFailure(sprintf "--output %s: the run would write %s, which is the %s being read; choose another --output" run w flag)
            )
        | None -> ()

/// Whether a run directory's entry is one this product writes there (a run stopped before its first checkpoint, the
/// reports, `run`'s predictions, an atomic write's leftover): only then is a folder without a checkpoint trained into.
let private writtenByRuns (name: string) =
    let files = RunFiles(".")
    let fixedNames =
        [ RunAccess.configFile "."; files.Spec; files.Best; files.MetricsLog; files.TensorBoard; files.Summary; files.Report ]
        |> List.map Path.GetFileName
    List.contains name (DirectoryLock.FileName :: "explain" :: "predictions" :: fixedNames)
    || (name.StartsWith "predictions_" && name.EndsWith ".csv")
    || (name.StartsWith "study_embeddings.")
    || (name.StartsWith "." && name.EndsWith ".tmp")

/// Refuses to start a run in a folder that holds files this product did not write and no checkpoint: training there
/// would mix them with the run's own files.
let private refuseForeignRunDirectory (run: string) (resume: bool) =
    if not resume && Directory.Exists run && not (File.Exists(RunFiles(run).Checkpoint)) then
        let foreign =
            Directory.EnumerateFileSystemEntries run
            |> Seq.map Path.GetFileName
            |> Seq.filter (writtenByRuns >> not)
            |> Seq.sort
            |> List.ofSeq
        if not foreign.IsEmpty then
            let shown = foreign |> List.truncate 5 |> String.concat ", "
            let more = if foreign.Length > 5 then sprintf " and %d more" (foreign.Length - 5) else ""
            raise (
                UsageFailure(
                    sprintf
                        "--output %s: the folder holds %s%s, not written by a run, and no checkpoint to resume; choose another --output, or empty it"
                        run
                        shown
                        more
                )
            )

/// The line a stopped run ends with: where its last checkpoint is and how to continue it.
let private interruptedMessage (signal: string) (run: string) =
    let checkpoint = RunFiles(run).Checkpoint
    if File.Exists checkpoint then
        let epoch =
            match (Safetensors.ReadHeader checkpoint).Metadata.TryGetValue "epochs_done" with
            | true, e -> e
            | _ -> "?"
        sprintf "%s: stopped; %s holds epoch %s; continue with the same command and --resume" signal checkpoint epoch
    else
        sprintf "%s: stopped before the first epoch ended; nothing to resume in %s; start again with the same command" signal run

/// Runs `work` with SIGINT and SIGTERM turned into a cancellation: the run stops between batches and says how to
/// resume (exit 130 or 143). A second signal ends the process at once, as without this handler.
let private interruptible (run: string) (work: Threading.CancellationToken -> 'T) =
    use cancel = new Threading.CancellationTokenSource()
    let received = ref None
    let handler (ctx: Runtime.InteropServices.PosixSignalContext) =
        if received.Value.IsNone then
            ctx.Cancel <- true
            received.Value <- Some ctx.Signal
            cancel.Cancel()
    use _int = Runtime.InteropServices.PosixSignalRegistration.Create(Runtime.InteropServices.PosixSignal.SIGINT, handler)
    use _term = Runtime.InteropServices.PosixSignalRegistration.Create(Runtime.InteropServices.PosixSignal.SIGTERM, handler)
    try
        work cancel.Token
    with :? OperationCanceledException when cancel.IsCancellationRequested ->
        let name, number = if received.Value = Some Runtime.InteropServices.PosixSignal.SIGINT then "SIGINT", 2 else "SIGTERM", 15
        raise (Interrupted(interruptedMessage name run, number))

/// Opens a config's data for the splits that must not be empty, and prints what reading it dropped.
let openData (config: TrainConfig.TrainConfig) (data: DataOptions) (required: string list) =
    let dataset =
        match Option.ofObj config.Train.Encoder with
        | None -> Dataset.Open(config.Spec, data, Array.ofList required)
        | Some encoder ->
            // the manifest's videos go through the encoder's frozen prefix once (cached) before anything trains
            EncodingDisplay.show (fun observer ->
                Encoders.EncoderData.Open(
                    config.Spec,
                    data,
                    encoder,
                    config.Train.Seed,
                    config.Train.Device,
                    observer,
                    Threading.CancellationToken.None,
                    Array.ofList required
                ))
    for note in dataset.Studies.Notes do
        eprintfn "note: %s" note
    for warning in dataset.Studies.Warnings do
        eprintfn "warning: %s" warning
    dataset

/// Trains the model of a config read with `options` into `run`; returns the run's result. Shared by `train`, `run`
/// and `demo`. The run directory is locked from before its first file is written until the run ends, so a second
/// training (or a --resume) on it is refused.
let trainConfig
    (config: TrainConfig.TrainConfig)
    (options: ConfigFile.ReadOptions)
    (run: string)
    (resume: bool)
    (epochs: int option)
    (device: string option)
    =
    let epochs = epochs |> Option.map (checkInt "--epochs" OptionRules.count)
    let training = config.Train.With(?epochs = epochs, ?device = device)
    refuseRunOverInputs config.Path config.Data.Manifest run
    refuseForeignRunDirectory run resume
    let data = openData config config.Data [ "train"; "val" ]
    let trainer = Trainer(config.Plan, data, training, run)
    use _ = DirectoryLock.Acquire(run, "deepcoro train")
    copyConfig config.Path options run
    interruptible run (fun cancel -> TrainDisplay.run (fun observer -> trainer.Run(resume, observer, cancel)))

let trainWith
    (configPath: string)
    (options: ConfigFile.ReadOptions)
    (run: string)
    (resume: bool)
    (epochs: int option)
    (device: string option)
    =
    trainConfig (RunAccess.loadConfig configPath options) options run resume epochs device

/// The default run directory of a config: runs/<its name>.
let defaultRun (configPath: string) = Path.Combine("runs", Path.GetFileNameWithoutExtension configPath)

/// Trains, then writes the run's report unless told not to. Shared by `train` and `demo`.
let train
    (configPath: string)
    (options: ConfigFile.ReadOptions)
    (output: string option)
    (resume: bool)
    (epochs: int option)
    (device: string option)
    (report: bool)
    =
    let run = output |> Option.defaultWith (fun () -> defaultRun configPath)
    let result = trainWith configPath options run resume epochs device
    if report then
        printfn "report: %s" (ReportCommand.writeRunReport run None)
    result

let printRun (r: TrainResult) =
    let stopped = if r.StoppedEarly then " (stopped early)" else ""
    if r.BestEpoch = 0 then
        printfn
            "no epoch improved %s (NaN in every epoch, or never past min_delta); best.safetensors holds the last epoch's weights%s"
            r.Monitor
            stopped
    else
        printfn "best epoch %d by %s = %g%s" r.BestEpoch r.Monitor r.BestValue stopped
    TrainDisplay.printMetrics r.Metrics r.Intervals
    printfn
        "run files in %s: best.safetensors (reference keys), checkpoint.safetensors, metrics.jsonl, tensorboard/, predictions_<split>.csv (+ _metrics.csv), summary.json, thresholds.json (locked on val; calibration.json when recalibrated; baseline_hazard.json for Cox heads)"
        (Path.GetFullPath r.RunDirectory)

let runTrain (args: ParseResults<TrainArgs>) =
    let r =
        let options = {
            ConfigFile.defaultOptions with
                Encoder = args.TryGetResult TrainArgs.Encoder
                AsReferenceBuilt = args.Contains TrainArgs.As_Reference_Built
        }
        train
            (args.GetResult TrainArgs.Config)
            options
            (args.TryGetResult TrainArgs.Output)
            (args.Contains Resume)
            (args.TryGetResult TrainArgs.Epochs)
            (args.TryGetResult TrainArgs.Device)
            (not (args.Contains No_Report))
    printRun r

let runEval (args: ParseResults<EvalArgs>) =
    let split = args.GetResult(EvalArgs.Split, "val")
    if not (List.contains split [ "train"; "val"; "test" ]) then
        fail (sprintf "--split %s: expected train, val or test" split)
    let subgroups = args.TryGetResult EvalArgs.Subgroups |> Option.map SubgroupTables.parse
    let run = args.GetResult EvalArgs.Run
    let config, model, device = RunAccess.openRun run (args.TryGetResult EvalArgs.Weights)
    use _ = model.Module
    let values = subgroups |> Option.map (SubgroupTables.read config)
    let data = openData config config.Data [ split ]
    let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, data.Studies.Split split)
    let results, metrics, intervals = RunAccess.evaluationOf config run results split
    TrainDisplay.printMetrics metrics intervals
    match subgroups with
    | None -> ()
    | Some columns ->
        let studies =
            results.Rows
            |> Seq.map (fun struct (study, _, scores) -> Report.StudyScores(study.Id, study.Labels, scores, Events = study.Events))
            |> ResizeArray
        let table = SubgroupTables.compute run config split studies columns values.Value
        printfn ""
        Report.SubgroupReport.Lines table |> Seq.iter (printfn "%s")

let runPredict (args: ParseResults<PredictArgs>) =
    let run = args.GetResult PredictArgs.Run
    refuseInputAsOutput "--output" (args.GetResult PredictArgs.Output) [
        "--manifest", args.GetResult PredictArgs.Manifest
        "--weights", args.GetResult(PredictArgs.Weights, Path.Combine(run, "best.safetensors"))
        "the run's config", RunAccess.configFile run
        "the run's model", Path.Combine(run, "model.ir.json")
    ]
    let config, model, device = RunAccess.openRun run (args.TryGetResult PredictArgs.Weights)
    use _ = model.Module
    let root = args.TryGetResult PredictArgs.Root |> Option.map Path.GetFullPath |> Option.toObj
    let data = openData config (config.Data.WithManifest(Path.GetFullPath(args.GetResult PredictArgs.Manifest), root)) []
    let all = [ data.Studies.Train; data.Studies.Val; data.Studies.Test ] |> Seq.concat |> Seq.toArray
    let raw = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, all)
    // recalibrated as the run was (calibration.json), at its locked thresholds
    let results, metrics, intervals = RunAccess.evaluationOf config run raw "predict"
    let out = args.GetResult PredictArgs.Output
    results.WritePredictions out
    printfn "wrote %s: %d studies" out results.Count
    // the metrics of the studies that have labels, with their intervals, beside the predictions
    let labelled = config.Spec.Heads |> Seq.mapi (fun h _ -> results.Labelled h) |> Seq.exists (fun l -> l.HasValue)
    if labelled then
        let file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath out), Path.GetFileNameWithoutExtension out + "_metrics.csv")
        Evaluation.MetricsTable.Write(file, metrics, intervals, config.Train.Intervals)
        printfn "wrote %s: the labelled studies' metrics with %g%% intervals" file (100.0 * config.Train.Intervals.Level)

/// Attention heads for a width: the most of 8, 4, 2 that keeps each head at least 16 wide (narrower heads draw
/// warning DC1002), else 1.
let synthHeads (dim: int) = [ 8; 4; 2 ] |> List.tryFind (fun h -> dim % h = 0 && dim / h >= 16) |> Option.defaultValue 1

/// The config.yaml that `synth` writes beside its data: the two-level cls_token probe on two heads.
let synthConfig (dim: int) (tokens: int) (epochs: int) =
    let template =
        """# Written by `deepcoro synth`: the two-level cls_token probe on the synthetic set beside this file.
model_config:
  embedding_dim: {dim}
  pooling_mode: cls_token
  num_attention_heads: {heads}
  normalization_strategy: post_norm
  dropout: 0.1
  head_structure:
    cathEF: 1
    abnormal: 1
  loss_structure:
    cathEF: mse
    abnormal: bce_logit
  head_weights:
    cathEF: 30       # cathEF varies by about 0.1: its MSE is about 100x smaller than the BCE
    abnormal: 1

data:
  manifest: manifest.csv
  separator: "α"
  study_column: StudyInstanceUID
  split_column: Split
  path_column: FileName
  tokens: {tokens}
  num_videos: 4
  batch_size: 16

optimizer:
  name: adamw
  lr: 0.003
  weight_decay: 0.0001
  head_lr: 0.003
  attention_across_lr: 0.003

scheduler:
  name: cosine_with_warmup
  num_warmup_percent: 0.1

training:
  epochs: {epochs}
  seed: 7
  max_grad_norm: 100.0  # a guard against spikes: on the demo the epochs' mean norm falls from ~500 to ~10
  monitor: val/main_loss
  huber_delta: 0.1
"""
    template
        .Replace("{dim}", string dim)
        .Replace("{heads}", string (synthHeads dim))
        .Replace("{tokens}", string tokens)
        .Replace("{epochs}", string epochs)

/// The config.yaml beside an order or average cohort: the cls_token probe on its one binary head, label, with its
/// PatientID column as data.group_column.
let synthCohortConfig (dim: int) (tokens: int) (epochs: int) =
    (synthConfig dim tokens epochs)
        .Replace(
            """  head_structure:
    cathEF: 1
    abnormal: 1
  loss_structure:
    cathEF: mse
    abnormal: bce_logit
  head_weights:
    cathEF: 30       # cathEF varies by about 0.1: its MSE is about 100x smaller than the BCE
    abnormal: 1
""",
            """  head_structure:
    label: 1
  loss_structure:
    label: bce_logit
"""
        )
        .Replace("  path_column: FileName\n", "  path_column: FileName\n  group_column: PatientID\n")

let synth (out: string) (options: SyntheticOptions) (epochs: int) =
    SyntheticData.Write(out, options)
    let config =
        if options.Cohort = SyntheticCohort.Planted then
            synthConfig options.Dim options.Tokens epochs
        else
            synthCohortConfig options.Dim options.Tokens epochs
    AtomicFile.WriteText(Path.Combine(out, "config.yaml"), config)

let runSynth (args: ParseResults<SynthArgs>) =
    let out = args.GetResult SynthArgs.Output
    let count flag (case: Quotations.Expr<int -> SynthArgs>) fallback = args.GetResult(case, fallback) |> checkInt flag OptionRules.count
    let o =
        SyntheticOptions(
            Studies = count "--studies" <@ SynthArgs.Studies @> 300,
            Seed = args.GetResult(SynthArgs.Seed, 1),
            Dim = count "--dim" <@ SynthArgs.Dim @> 64,
            Tokens = count "--tokens" <@ SynthArgs.Tokens @> 16,
            MaxVideos = count "--max-videos" <@ SynthArgs.Max_Videos @> 4,
            Cohort =
                match args.GetResult(SynthArgs.Cohort, "planted") with
                | "planted" -> SyntheticCohort.Planted
                | "order" -> SyntheticCohort.Order
                | "average" -> SyntheticCohort.Average
                | other -> raise (UsageFailure(sprintf "--cohort %s: expected planted, order or average" other))
        )
    synth out o (count "--epochs" <@ SynthArgs.Epochs @> 20)
    printfn
        "wrote %s: %d studies (D %d, L %d, up to %d videos); train with: deepcoro train --config %s"
        out
        o.Studies
        o.Dim
        o.Tokens
        o.MaxVideos
        (Path.Combine(out, "config.yaml"))
