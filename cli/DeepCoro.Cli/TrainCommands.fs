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
    | Encoder of path: string
    | As_Reference_Built
    | No_Report

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Encoder _ -> "a TorchScript encoder (tools/export_encoder.py): the manifest's videos go through it, its top trains with the probe (encoder.freeze_ratio)."
            | Config _ -> "training config (YAML; see docs/training.md)."
            | Output _ -> "run directory (default runs/<config name>)."
            | Resume -> "continue the run in --output from its last checkpoint."
            | Epochs _ -> "override training.epochs."
            | As_Reference_Built -> "build what DeepCORO_CLIP builds from a config in its layout (8 heads, separate layers, post-norm, no head dropout)."
            | No_Report -> "skip writing RUN/report/index.html at the end (`deepcoro report --run RUN` writes it later)."
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

/// Copies the config into a new run directory, as the run read it (ConfigFile.resolvedText: overrides applied, paths
/// absolute). A run that holds a checkpoint keeps its copy: --resume refuses other options, and a refused start must
/// not replace the copy of the run it refused to touch.
let private copyConfig (configPath: string) (options: ConfigFile.ReadOptions) (run: string) =
    let copy = RunAccess.configFile run
    if not (File.Exists(Path.Combine(run, "checkpoint.safetensors")) && File.Exists copy) then
        let full = Path.GetFullPath configPath
        let text = ConfigFile.resolvedText full (File.ReadAllText full) options (sprintf "copied by deepcoro from %s, overrides applied, relative paths made absolute" full)
        Directory.CreateDirectory run |> ignore
        AtomicFile.WriteText(copy, text)

/// Opens a config's data for the splits that must not be empty, and prints what reading it dropped.
let openData (config: TrainConfig.TrainConfig) (data: DataOptions) (required: string list) =
    let dataset =
        match Option.ofObj config.Train.Encoder with
        | None -> Dataset.Open(config.Spec, data, Array.ofList required)
        | Some encoder ->
            // the manifest's videos go through the encoder's frozen prefix once (cached) before anything trains
            EncodingDisplay.show (fun observer ->
                Encoders.EncoderData.Open(config.Spec, data, encoder, config.Train.Seed, config.Train.Device, observer, Threading.CancellationToken.None, Array.ofList required))
    for note in dataset.Studies.Notes do eprintfn "note: %s" note
    dataset

/// Trains the model of a config read with `options` into `run`; returns the run's result. Shared by `train`, `run`
/// and `demo`.
let trainConfig (config: TrainConfig.TrainConfig) (options: ConfigFile.ReadOptions) (run: string) (resume: bool) (epochs: int option) (device: string option) =
    let training = config.Train.With(?epochs = epochs, ?device = device)
    let data = openData config config.Data [ "train"; "val" ]
    let trainer = Trainer(config.Spec, data, training, run)
    copyConfig config.Path options run
    TrainDisplay.run (fun observer -> trainer.Run(resume, observer))

let trainWith (configPath: string) (options: ConfigFile.ReadOptions) (run: string) (resume: bool) (epochs: int option) (device: string option) =
    trainConfig (RunAccess.loadConfig configPath options) options run resume epochs device

/// The default run directory of a config: runs/<its name>.
let defaultRun (configPath: string) = Path.Combine("runs", Path.GetFileNameWithoutExtension configPath)

/// Trains, then writes the run's report unless told not to. Shared by `train` and `demo`.
let train (configPath: string) (options: ConfigFile.ReadOptions) (output: string option) (resume: bool) (epochs: int option) (device: string option) (report: bool) =
    let run = output |> Option.defaultWith (fun () -> defaultRun configPath)
    let result = trainWith configPath options run resume epochs device
    if report then printfn "report: %s" (ReportCommand.writeRunReport run None)
    result

let printRun (r: TrainResult) =
    let stopped = if r.StoppedEarly then " (stopped early)" else ""
    if r.BestEpoch = 0 then
        printfn "no epoch improved %s (NaN in every epoch, or never past min_delta); best.safetensors holds the last epoch's weights%s" r.Monitor stopped
    else printfn "best epoch %d by %s = %g%s" r.BestEpoch r.Monitor r.BestValue stopped
    TrainDisplay.printMetrics r.Metrics r.Intervals
    printfn "run files in %s: best.safetensors (reference keys), checkpoint.safetensors, metrics.jsonl, tensorboard/, predictions_<split>.csv (+ _metrics.csv), summary.json" (Path.GetFullPath r.RunDirectory)

let runTrain (args: ParseResults<TrainArgs>) =
    let r =
        let options = { ConfigFile.defaultOptions with Encoder = args.TryGetResult TrainArgs.Encoder; AsReferenceBuilt = args.Contains TrainArgs.As_Reference_Built }
        train (args.GetResult TrainArgs.Config) options (args.TryGetResult TrainArgs.Output) (args.Contains Resume)
            (args.TryGetResult TrainArgs.Epochs) (args.TryGetResult TrainArgs.Device) (not (args.Contains No_Report))
    printRun r

let runEval (args: ParseResults<EvalArgs>) =
    let split = args.GetResult(EvalArgs.Split, "val")
    if not (List.contains split [ "train"; "val"; "test" ]) then fail (sprintf "--split %s: expected train, val or test" split)
    let config, model, device = RunAccess.openRun (args.GetResult EvalArgs.Run) (args.TryGetResult EvalArgs.Weights)
    use _ = model.Module
    let data = openData config config.Data [ split ]
    let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, data.Studies.Split split)
    TrainDisplay.printMetrics (results.Metrics split) (results.Intervals(split, config.Train.Intervals, config.Train.Seed))

let runPredict (args: ParseResults<PredictArgs>) =
    let config, model, device = RunAccess.openRun (args.GetResult PredictArgs.Run) (args.TryGetResult PredictArgs.Weights)
    use _ = model.Module
    let root = args.TryGetResult PredictArgs.Root |> Option.map Path.GetFullPath |> Option.toObj
    let data = openData config (config.Data.WithManifest(Path.GetFullPath(args.GetResult PredictArgs.Manifest), root)) []
    let all = [ data.Studies.Train; data.Studies.Val; data.Studies.Test ] |> Seq.concat |> Seq.toArray
    let results = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, all)
    let out = args.GetResult PredictArgs.Out
    results.WritePredictions out
    printfn "wrote %s: %d studies" out results.Count
    // the metrics of the studies that have labels, with their intervals, beside the predictions
    let metrics = results.Metrics "predict"
    if metrics |> Seq.exists (fun kv -> not (kv.Key.EndsWith "_loss") && not (Double.IsNaN kv.Value)) then
        let file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath out), Path.GetFileNameWithoutExtension out + "_metrics.csv")
        Evaluation.MetricsTable.Write(file, metrics, results.Intervals("predict", config.Train.Intervals, config.Train.Seed), config.Train.Intervals)
        printfn "wrote %s: the labelled studies' metrics with %g%% intervals" file (100.0 * config.Train.Intervals.Level)

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

