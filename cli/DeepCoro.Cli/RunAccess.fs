/// A trained run directory as the verbs that read one see it: its own config copy, its model, its best weights.
module DeepCoro.Cli.RunAccess

open System.IO
open TorchSharp
open DeepCoro.Runtime
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Config
open DeepCoro.Config.UserError

/// The run's own copy of its config (relative paths made absolute), so eval and predict need only --run and still
/// work when the original config has changed or the run was moved.
let configFile run = Path.Combine(run, "config.yaml")

let bestWeights run = Path.Combine(run, "best.safetensors")

/// Reads a config, printing its warnings and notices.
let loadConfig (path: string) (options: ConfigFile.ReadOptions) =
    let config = TrainConfig.loadWith path options
    for w in config.Warnings do
        eprintfn "%s" w
    for n in config.Notices do
        eprintfn "%s" n
    config

/// The model a config runs, with its weights (this product's .safetensors or a DeepCORO_CLIP .pt),
/// warnings printed: the probe, under the encoder's trainable top when the
/// config has an encoder (a run trained so saves both in one state_dict).
let loadModel (config: TrainConfig.TrainConfig) (weights: string) =
    let model = Encoders.EncoderProbe.Create(config.Plan, config.Train.Encoder, config.Train.Kernel)
    let loaded = ModelWeights.LoadInto(model, config.Plan, weights)
    for w in loaded.Warnings do
        eprintfn "warning: %s" w
    box model :?> IPoolingProbe

/// The pooling model alone, for what reads its attention (explain, the report's examples): a run that fine-tunes an
/// encoder has its attention over the encoder's outputs of videos, which these do not compute.
let tokenProbe (config: TrainConfig.TrainConfig) (model: IPoolingProbe) =
    match model with
    | :? MilModel as m when isNull config.Train.Encoder -> m
    | _ ->
        fail (
            sprintf
                "%s: the run fine-tunes the encoder %s; attention pictures read token files, so embed the videos with the trained encoder (deepcoro embed) and explain a probe trained on them"
                config.Path
                config.Train.Encoder.Path
        )

/// The config (the run's copy) with the model of the run's model.ir.json.
let openConfig (run: string) =
    let file = configFile run
    let ir = Path.Combine(run, "model.ir.json")
    if not (File.Exists file && File.Exists ir) then
        fail (sprintf "%s: not a run directory (no config.yaml and model.ir.json); train one first" run)
    { loadConfig file ConfigFile.defaultOptions with Plan = DeepCoro.Spec.SpecJson.ParsePlan(File.ReadAllText ir, ir) }

/// The run's model with the given weights, or its best ones, on the config's device.
let openModel (run: string) (config: TrainConfig.TrainConfig) (weights: string option) =
    let weights =
        match weights with
        | Some w -> w
        | None ->
            let best = bestWeights run
            if not (File.Exists best) then
                fail (
                    sprintf "%s: no best model (best.safetensors) in the run: it has not finished an epoch; train or --resume it first" run
                )
            best
    let model = loadModel config weights
    let device = DeviceChoice.Parse config.Train.Device
    model.Module.``to`` (device) |> ignore
    model, device

/// The config and model (given or best weights) of a run directory.
let openRun (run: string) (weights: string option) =
    let config = openConfig run
    let model, device = openModel run config weights
    config, model, device

/// The class names of a config's heads (labels_map where it names them, else the indices).
let classNames (config: TrainConfig.TrainConfig) = fun (head: DeepCoro.Spec.HeadSpec) -> Report.ClassNames.For(head, config.Data.LabelsMap)

/// The locked thresholds in `folder` (a run directory, or the folder of the weights a run mode reads), if any.
let lockedThresholds (config: TrainConfig.TrainConfig) (folder: string) =
    let file = Path.Combine(folder, "thresholds.json")
    if File.Exists file then Some(Evaluation.LockedThresholds.Read(file, config.Spec.Heads, classNames config)) else None

/// The recalibration fitted on validation in `folder` (calibration.json), or none.
let recalibrationOf (folder: string) =
    let file = Path.Combine(folder, "calibration.json")
    if File.Exists file then Evaluation.Recalibration.Read file else Evaluation.Recalibration.None

/// A pass as the run in `folder` left its scores: recalibrated (calibration.json), and its Cox heads given survival
/// probabilities by their baseline hazards fitted on training (baseline_hazard.json).
let adjusted (config: TrainConfig.TrainConfig) (folder: string) (raw: Training.SplitResults) =
    raw.Recalibrated(recalibrationOf folder).WithBaseline(Evaluation.BaselineHazards.In(folder, config.Spec.Heads))

/// A pass recalibrated as the run in `folder` was (calibration.json), with its metrics and intervals at the run's
/// locked thresholds and, for recalibrated heads, the calibration before it (`_uncalibrated_`). Without
/// thresholds.json (weights trained elsewhere, or a run written before thresholds were locked) the threshold metrics
/// are chosen on the studies themselves, said once on stderr.
let evaluationOf (config: TrainConfig.TrainConfig) (folder: string) (raw: Training.SplitResults) (prefix: string) =
    let recalibration = recalibrationOf folder
    let results = adjusted config folder raw
    match lockedThresholds config folder with
    | Some locked ->
        let struct (metrics, intervals) =
            results.LockedMetrics(prefix, locked, config.Train.Thresholds, classNames config, config.Train.Intervals, config.Train.Seed)
        raw.AddUncalibrated(prefix, recalibration, config.Train.Intervals, config.Train.Seed, metrics, intervals)
        results, metrics, intervals
    | None ->
        let hasClassifier =
            config.Spec.Heads |> Seq.exists (fun h -> h.Task = DeepCoro.Spec.TaskKind.Binary || h.Task = DeepCoro.Spec.TaskKind.Multiclass)
        if hasClassifier then
            eprintfn
                "note: %s has no thresholds.json: the threshold metrics use a threshold chosen on these studies themselves (DeepCORO_CLIP's rule), which flatters them"
                folder
        results, results.Metrics prefix, results.Intervals(prefix, config.Train.Intervals, config.Train.Seed)
