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

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Config _ -> "training config (YAML; see docs/training.md)."
            | Output _ -> "run directory (default runs/<config name>)."
            | Resume -> "continue the run in --output from its last checkpoint."
            | Epochs _ -> "override training.epochs."
            | Device _ -> "override training.device (auto, cpu, cuda, cuda:i)."

type EvalArgs =
    | [<Mandatory; Unique>] Run of dir: string
    | [<Unique>] Split of string
    | [<Unique>] Weights of path: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train."
            | Split _ -> "train, val or test (default val)."
            | Weights _ -> "weights to evaluate (default RUN/best.safetensors)."

type PredictArgs =
    | [<Mandatory; Unique>] Run of dir: string
    | [<Mandatory; Unique>] Manifest of path: string
    | [<Mandatory; Unique>] Out of path: string
    | [<Unique>] Weights of path: string
    | [<Unique>] Root of dir: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train (its config gives the model and the manifest's columns)."
            | Manifest _ -> "manifest to predict for (same columns as the training manifest; labels may be empty)."
            | Out _ -> "predictions CSV to write."
            | Weights _ -> "weights (default RUN/best.safetensors)."
            | Root _ -> "folder the manifest's relative paths resolve against (default the manifest's folder)."

type SynthArgs =
    | [<Mandatory; Unique>] Out of dir: string
    | [<Unique>] Studies of int
    | [<Unique>] Seed of int
    | [<Unique>] Dim of int
    | [<Unique>] Tokens of int
    | [<Unique>] Max_Videos of int
    | [<Unique>] Epochs of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Out _ -> "folder to write manifest.csv, embeddings/ and config.yaml into."
            | Studies _ -> "number of studies (default 300)."
            | Seed _ -> "random seed (default 1)."
            | Dim _ -> "embedding dim D (default 64)."
            | Tokens _ -> "tokens per video L (default 16)."
            | Max_Videos _ -> "videos per study, at most (default 4)."
            | Epochs _ -> "training.epochs written into config.yaml (default 20)."

/// The run's own copy of its config (relative paths made absolute), so eval and predict need only --run and still
/// work when the original config has changed or the run was moved.
let private runConfigFile run = Path.Combine(run, "config.yaml")

/// Copies the config into a new run directory, as the run read it (ConfigFile.resolvedText: overrides applied, paths
/// absolute). A run that holds a checkpoint keeps its copy: --resume refuses other options, and a refused start must
/// not replace the copy of the run it refused to touch.
let private copyConfig (configPath: string) (options: ConfigFile.ReadOptions) (run: string) =
    let copy = runConfigFile run
    if not (File.Exists(Path.Combine(run, "checkpoint.safetensors")) && File.Exists copy) then
        let full = Path.GetFullPath configPath
        let text = ConfigFile.resolvedText full (File.ReadAllText full) options (sprintf "copied by deepcoro from %s, overrides applied, relative paths made absolute" full)
        Directory.CreateDirectory run |> ignore
        AtomicFile.WriteText(copy, text)

let private loadConfig (path: string) (options: ConfigFile.ReadOptions) =
    let config = TrainConfig.loadWith path options
    for w in config.Warnings do eprintfn "%s" w
    for n in config.Notices do eprintfn "%s" n
    config

/// Refuses a run directory whose files would replace the config or manifest being trained from (`--output D` for
/// `--config D/config.yaml`). A run with a checkpoint keeps its config copy, so resuming from that copy is fine.
let private refuseRunOverInputs (configPath: string) (manifest: string) (run: string) =
    let files = RunFiles(run)
    let written =
        (if File.Exists files.Checkpoint then [] else [ runConfigFile run ])
        @ [ files.Spec; files.Best; files.Checkpoint; files.MetricsLog; files.Summary ]
        @ [ for split in [ "train"; "val"; "test" ] -> files.Predictions split ]
    for (flag, input) in [ "--config", configPath; "data.manifest", manifest ] do
        match written |> List.tryFind (fun w -> Path.GetFullPath w = Path.GetFullPath input) with
        | Some w -> raise (UsageFailure(sprintf "--output %s: the run would write %s, which is the %s being read; choose another --output" run w flag))
        | None -> ()

/// The line a stopped run ends with: where its last checkpoint is and how to continue it.
let private interruptedMessage (signal: string) (run: string) =
    let checkpoint = RunFiles(run).Checkpoint
    if File.Exists checkpoint then
        let epoch =
            match (Safetensors.ReadHeader checkpoint).Metadata.TryGetValue "epochs_done" with
            | true, e -> e
            | _ -> "?"
        sprintf "%s: stopped; %s holds epoch %s; continue with the same command and --resume" signal checkpoint epoch
    else sprintf "%s: stopped before the first epoch ended; nothing to resume in %s; start again with the same command" signal run

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
    let dataset = Dataset.Open(config.Spec, data, Array.ofList required)
    for note in dataset.Studies.Notes do eprintfn "note: %s" note
    dataset

/// Trains the model of a config read with `options` into `run`; returns the run's result. Shared by `train`, `run`
/// and `demo`. The run directory is locked from before its first file is written until the run ends, so a second
/// training (or a --resume) on it is refused.
let trainConfig (config: TrainConfig.TrainConfig) (options: ConfigFile.ReadOptions) (run: string) (resume: bool) (epochs: int option) (device: string option) =
    let epochs = epochs |> Option.map (checkInt "--epochs" OptionRules.count)
    let training = config.Train.With(?epochs = epochs, ?device = device)
    refuseRunOverInputs config.Path config.Data.Manifest run
    let data = openData config config.Data [ "train"; "val" ]
    let trainer = Trainer(config.Spec, data, training, run)
    use _ = DirectoryLock.Acquire(run, "deepcoro train")
    copyConfig config.Path options run
    interruptible run (fun cancel -> TrainDisplay.run (fun observer -> trainer.Run(resume, observer, cancel)))

let trainWith (configPath: string) (options: ConfigFile.ReadOptions) (run: string) (resume: bool) (epochs: int option) (device: string option) =
    trainConfig (loadConfig configPath options) options run resume epochs device

/// The default run directory of a config: runs/<its name>.
let defaultRun (configPath: string) = Path.Combine("runs", Path.GetFileNameWithoutExtension configPath)

let train (configPath: string) (output: string option) (resume: bool) (epochs: int option) (device: string option) =
    trainWith configPath ConfigFile.defaultOptions (output |> Option.defaultWith (fun () -> defaultRun configPath)) resume epochs device

let printRun (r: TrainResult) =
    let stopped = if r.StoppedEarly then " (stopped early)" else ""
    if r.BestEpoch = 0 then
        printfn "no epoch improved %s (NaN in every epoch, or never past min_delta); best.safetensors holds the last epoch's weights%s" r.Monitor stopped
    else printfn "best epoch %d by %s = %g%s" r.BestEpoch r.Monitor r.BestValue stopped
    TrainDisplay.printMetrics r.Metrics
    printfn "run files in %s: best.safetensors (reference keys), checkpoint.safetensors, metrics.jsonl, tensorboard/, predictions_<split>.csv, summary.json" (Path.GetFullPath r.RunDirectory)

let runTrain (args: ParseResults<TrainArgs>) =
    let r = train (args.GetResult TrainArgs.Config) (args.TryGetResult TrainArgs.Output) (args.Contains Resume) (args.TryGetResult TrainArgs.Epochs) (args.TryGetResult TrainArgs.Device)
    printRun r

/// A model with weights from this product's .safetensors or a DeepCORO_CLIP .pt, warnings printed.
let loadModel (spec: DeepCoro.Spec.ModelSpec) (weights: string) =
    let model = new MilModel(spec)
    let loaded = ModelWeights.LoadInto(model, spec, weights)
    for w in loaded.Warnings do eprintfn "warning: %s" w
    model

/// The config (the run's copy) and model (the run's model.ir.json) of a run directory, with the given or best
/// weights loaded.
let private openRun (run: string) (weights: string option) =
    let file = runConfigFile run
    let ir = Path.Combine(run, "model.ir.json")
    if not (File.Exists file && File.Exists ir) then fail (sprintf "%s: not a run directory (no config.yaml and model.ir.json); train one first" run)
    let config = { loadConfig file ConfigFile.defaultOptions with Spec = DeepCoro.Spec.SpecJson.Parse(File.ReadAllText ir, ir) }
    let model = loadModel config.Spec (weights |> Option.defaultValue (Path.Combine(run, "best.safetensors")))
    let device = DeviceChoice.Parse config.Train.Device
    model.``to``(device) |> ignore
    config, model, device

let runEval (args: ParseResults<EvalArgs>) =
    let split = args.GetResult(EvalArgs.Split, "val")
    if not (List.contains split [ "train"; "val"; "test" ]) then fail (sprintf "--split %s: expected train, val or test" split)
    let config, model, device = openRun (args.GetResult EvalArgs.Run) (args.TryGetResult EvalArgs.Weights)
    use model = model
    let data = openData config config.Data [ split ]
    let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, data.Studies.Split split)
    TrainDisplay.printMetrics (results.Metrics split)

let runPredict (args: ParseResults<PredictArgs>) =
    let run = args.GetResult PredictArgs.Run
    refuseInputAsOutput "--out" (args.GetResult PredictArgs.Out)
        [ "--manifest", args.GetResult PredictArgs.Manifest
          "--weights", args.GetResult(PredictArgs.Weights, Path.Combine(run, "best.safetensors"))
          "the run's config", runConfigFile run
          "the run's model", Path.Combine(run, "model.ir.json") ]
    let config, model, device = openRun run (args.TryGetResult PredictArgs.Weights)
    use model = model
    let root = args.TryGetResult PredictArgs.Root |> Option.map Path.GetFullPath |> Option.toObj
    let data = openData config (config.Data.WithManifest(Path.GetFullPath(args.GetResult PredictArgs.Manifest), root)) []
    let all = [ data.Studies.Train; data.Studies.Val; data.Studies.Test ] |> Seq.concat |> Seq.toArray
    let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, all)
    results.WritePredictions(args.GetResult PredictArgs.Out)
    printfn "wrote %s: %d studies" (args.GetResult PredictArgs.Out) results.Count

/// Attention heads for a width: the most of 8, 4, 2 that keeps each head at least 16 wide (narrower heads draw
/// warning DC1002), else 1.
let synthHeads (dim: int) =
    [ 8; 4; 2 ] |> List.tryFind (fun h -> dim % h = 0 && dim / h >= 16) |> Option.defaultValue 1

/// The config.yaml that `synth` writes beside its data: the two-level cls_token probe on two heads.
let synthConfig (dim: int) (tokens: int) (epochs: int) =
    let template = """# Written by `deepcoro synth`: the two-level cls_token probe on the synthetic set beside this file.
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
  max_grad_norm: 1.0
  monitor: val/main_loss
  huber_delta: 0.1
"""
    template.Replace("{dim}", string dim).Replace("{heads}", string (synthHeads dim)).Replace("{tokens}", string tokens)
        .Replace("{epochs}", string epochs)

let synth (out: string) (options: SyntheticOptions) (epochs: int) =
    SyntheticData.Write(out, options)
    AtomicFile.WriteText(Path.Combine(out, "config.yaml"), synthConfig options.Dim options.Tokens epochs)

let runSynth (args: ParseResults<SynthArgs>) =
    let out = args.GetResult SynthArgs.Out
    let count flag (case: Quotations.Expr<int -> SynthArgs>) fallback = args.GetResult(case, fallback) |> checkInt flag OptionRules.count
    let o =
        SyntheticOptions(
            Studies = count "--studies" <@ SynthArgs.Studies @> 300, Seed = args.GetResult(SynthArgs.Seed, 1), Dim = count "--dim" <@ SynthArgs.Dim @> 64,
            Tokens = count "--tokens" <@ SynthArgs.Tokens @> 16, MaxVideos = count "--max-videos" <@ SynthArgs.Max_Videos @> 4)
    synth out o (count "--epochs" <@ SynthArgs.Epochs @> 20)
    printfn "wrote %s: %d studies (D %d, L %d, up to %d videos); train with: deepcoro train --config %s" out o.Studies o.Dim o.Tokens o.MaxVideos (Path.Combine(out, "config.yaml"))

