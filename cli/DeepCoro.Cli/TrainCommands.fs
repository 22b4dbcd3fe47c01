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

type TrainArgs =
    | [<Mandatory>] Config of path: string
    | Output of dir: string
    | Resume
    | Epochs of int
    | Device of string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Config _ -> "training config (YAML; see docs/training.md)."
            | Output _ -> "run directory (default runs/<config name>)."
            | Resume -> "continue the run in --output from its last checkpoint."
            | Epochs _ -> "override training.epochs."
            | Device _ -> "override training.device (auto, cpu, cuda, cuda:i)."

type EvalArgs =
    | [<Mandatory>] Run of dir: string
    | Split of string
    | Weights of path: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train."
            | Split _ -> "train, val or test (default val)."
            | Weights _ -> "weights to evaluate (default RUN/best.safetensors)."

type PredictArgs =
    | [<Mandatory>] Run of dir: string
    | [<Mandatory>] Manifest of path: string
    | [<Mandatory>] Out of path: string
    | Weights of path: string
    | Root of dir: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train (its config gives the model and the manifest's columns)."
            | Manifest _ -> "manifest to predict for (same columns as the training manifest; labels may be empty)."
            | Out _ -> "predictions CSV to write."
            | Weights _ -> "weights (default RUN/best.safetensors)."
            | Root _ -> "folder the manifest's relative paths resolve against (default the manifest's folder)."

type SynthArgs =
    | [<Mandatory>] Out of dir: string
    | Studies of int
    | Seed of int
    | Dim of int
    | Tokens of int
    | Max_Videos of int
    | Epochs of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Out _ -> "folder to write manifest.csv, embeddings/ and config.yaml into."
            | Studies _ -> "number of studies (default 300)."
            | Seed _ -> "random seed (default 1)."
            | Dim _ -> "embedding dim D (default 64; must be divisible by 8 attention heads)."
            | Tokens _ -> "tokens per video L (default 16)."
            | Max_Videos _ -> "videos per study, at most (default 4)."
            | Epochs _ -> "training.epochs written into config.yaml (default 20)."

/// The run's own copy of its config (relative paths made absolute), so eval and predict need only --run and still
/// work when the original config has changed or the run was moved.
let private runConfigFile run = Path.Combine(run, "config.yaml")

/// Copies the config into a new run directory. A run that holds a checkpoint keeps its copy: --resume refuses
/// other options, and a refused start must not replace the copy of the run it refused to touch.
let private copyConfig (configPath: string) (run: string) =
    let copy = runConfigFile run
    if not (File.Exists(Path.Combine(run, "checkpoint.safetensors")) && File.Exists copy) then
        let full = Path.GetFullPath configPath
        let text =
            Sweeps.SweepConfig.WithAbsolutePaths(full, Path.GetDirectoryName full, File.ReadAllText full, SweepKeySpace.pathKeys,
                                                 sprintf "copied by `deepcoro train` from %s, relative paths made absolute" full)
        Directory.CreateDirectory run |> ignore
        AtomicFile.WriteText(copy, text)

let private loadConfig (path: string) =
    let config = TrainConfig.load path
    for w in config.Warnings do eprintfn "%s" w
    config

/// Trains; returns the run's result. Shared by `train` and `demo`.
let train (configPath: string) (output: string option) (resume: bool) (epochs: int option) (device: string option) =
    let config = loadConfig configPath
    let options = config.Train.Override(Option.toNullable epochs, Option.toObj device)
    let run = output |> Option.defaultWith (fun () -> Path.Combine("runs", Path.GetFileNameWithoutExtension configPath))
    let data = Dataset.Open(config.Spec, config.Data, "train", "val")
    let trainer = Trainer(config.Spec, data, options, run)
    copyConfig configPath run
    TrainDisplay.run (fun observer -> trainer.Run(resume, observer))

let private describeRun (r: TrainResult) =
    let stopped = if r.StoppedEarly then " (stopped early)" else ""
    if r.BestEpoch = 0 then
        printfn "no epoch improved %s (NaN in every epoch, or never past min_delta); best.safetensors holds the last epoch's weights%s" r.Monitor stopped
    else printfn "best epoch %d by %s = %g%s" r.BestEpoch r.Monitor r.BestValue stopped
    TrainDisplay.printMetrics r.Metrics
    printfn "run files in %s: best.safetensors (reference keys), checkpoint.safetensors, metrics.jsonl, tensorboard/, predictions_<split>.csv, summary.json" (Path.GetFullPath r.RunDirectory)

let runTrain (args: ParseResults<TrainArgs>) =
    let r = train (args.GetResult TrainArgs.Config) (args.TryGetResult TrainArgs.Output) (args.Contains Resume) (args.TryGetResult TrainArgs.Epochs) (args.TryGetResult TrainArgs.Device)
    describeRun r

/// The config (the run's copy) and model (the run's model.ir.json) of a run directory, with the given or best
/// weights loaded.
let private openRun (run: string) (weights: string option) =
    let file = runConfigFile run
    let ir = Path.Combine(run, "model.ir.json")
    if not (File.Exists file && File.Exists ir) then fail (sprintf "%s: not a run directory (no config.yaml and model.ir.json); train one first" run)
    let config = { loadConfig file with Spec = DeepCoro.Spec.SpecJson.Parse(File.ReadAllText ir, ir) }
    let weights = weights |> Option.defaultValue (Path.Combine(run, "best.safetensors"))
    let model = new MilModel(config.Spec)
    let tensors = Safetensors.Load weights
    StateDict.LoadStrict(model, tensors, weights)
    let device = DeviceChoice.Parse config.Train.Device
    model.``to``(device) |> ignore
    config, model, device

let runEval (args: ParseResults<EvalArgs>) =
    let split = args.GetResult(EvalArgs.Split, "val")
    if not (List.contains split [ "train"; "val"; "test" ]) then fail (sprintf "--split %s: expected train, val or test" split)
    let config, model, device = openRun (args.GetResult EvalArgs.Run) (args.TryGetResult EvalArgs.Weights)
    use model = model
    let data = Dataset.Open(config.Spec, config.Data, split)
    let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, data.Studies.Split split)
    TrainDisplay.printMetrics (results.Metrics split)

let runPredict (args: ParseResults<PredictArgs>) =
    let config, model, device = openRun (args.GetResult PredictArgs.Run) (args.TryGetResult PredictArgs.Weights)
    use model = model
    let root = args.TryGetResult PredictArgs.Root |> Option.map Path.GetFullPath |> Option.toObj
    let data = Dataset.Open(config.Spec, config.Data.WithManifest(Path.GetFullPath(args.GetResult PredictArgs.Manifest), root))
    let all = [ data.Studies.Train; data.Studies.Val; data.Studies.Test ] |> Seq.concat |> Seq.toArray
    let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, all)
    results.WritePredictions(args.GetResult PredictArgs.Out)
    printfn "wrote %s: %d studies" (args.GetResult PredictArgs.Out) results.Count

/// The config.yaml that `synth` writes beside its data: the two-level cls_token probe on two heads.
let synthConfig (dim: int) (tokens: int) (epochs: int) =
    let template = """# Written by `deepcoro synth`: the two-level cls_token probe on the synthetic set beside this file.
model_config:
  embedding_dim: {dim}
  pooling_mode: cls_token
  num_attention_heads: 8
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
    template.Replace("{dim}", string dim).Replace("{tokens}", string tokens).Replace("{epochs}", string epochs)

let synth (out: string) (options: SyntheticOptions) (epochs: int) =
    if options.Dim % 8 <> 0 then fail (sprintf "--dim %d: must be divisible by the 8 attention heads of the written config" options.Dim)
    SyntheticData.Write(out, options)
    AtomicFile.WriteText(Path.Combine(out, "config.yaml"), synthConfig options.Dim options.Tokens epochs)

let runSynth (args: ParseResults<SynthArgs>) =
    let out = args.GetResult SynthArgs.Out
    let o =
        SyntheticOptions(
            Studies = args.GetResult(SynthArgs.Studies, 300), Seed = args.GetResult(SynthArgs.Seed, 1), Dim = args.GetResult(SynthArgs.Dim, 64),
            Tokens = args.GetResult(SynthArgs.Tokens, 16), MaxVideos = args.GetResult(SynthArgs.Max_Videos, 4))
    synth out o (args.GetResult(SynthArgs.Epochs, 20))
    printfn "wrote %s: %d studies (D %d, L %d, up to %d videos); train with: deepcoro train --config %s" out o.Studies o.Dim o.Tokens o.MaxVideos (Path.Combine(out, "config.yaml"))

let printRun = describeRun
