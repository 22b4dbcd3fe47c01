/// `deepcoro run --config F`: DeepCORO_CLIP's `scripts/main.py --base_config F`. Follows the config's run_mode
/// (train, val, test, inference) for either layout; `--check` validates the whole file without data and prints the
/// resolved model; `--set key=value` overrides a key as the reference's `--key=value` arguments do.
module DeepCoro.Cli.RunCommand

open System
open System.IO
open Argu
open DeepCoro.Spec
open DeepCoro.Runtime
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Training
open TorchSharp
open DeepCoro.Config
open DeepCoro.Config.Settings
open DeepCoro.Config.TrainConfig
open DeepCoro.Config.UserError

type RunArgs =
    | [<Mandatory>] Config of path: string
    | Check
    | Set of ``key=value``: string
    | Embeddings of dir: string
    | Encoder of path: string
    | As_Reference_Built
    | Output of dir: string
    | Weights of path: string
    | Resume
    | Epochs of int
    | Device of string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Config _ -> "a DeepCORO_CLIP config (flat, with pipeline_project) or this product's training config."
            | Check -> "validate the whole file without data: print the resolved model, heads, parameter groups and warnings."
            | Set _ -> "override a key, e.g. --set epochs=5, --set head_lr.cathEF=1e-4, --set data.batch_size=16 (repeatable)."
            | Embeddings _ -> "folder of embeddings for a CSV of videos, found by file stem (x.avi -> DIR/x.npy|.safetensors|.pt)."
            | Encoder _ ->
                "a TorchScript encoder (tools/export_encoder.py): the CSV's videos go through it, its top trains with the probe (video_freeze_ratio)."
            | As_Reference_Built -> "build what DeepCORO_CLIP builds from the file (8 heads, separate layers, post-norm, no head dropout)."
            | Output _ -> "run directory (default: output_dir/<config name>, else runs/<config name>)."
            | Weights _ -> "weights for val, test and inference (default inference_model_path): .safetensors or a DeepCORO_CLIP .pt."
            | Resume -> "train mode: continue the run in the run directory from its last checkpoint."
            | Epochs _ -> "train mode: override epochs."
            | Device _ -> "cpu, auto, cuda or cuda:i (default cpu)."

/// `key=value` pairs of --set.
let private overrides (args: ParseResults<RunArgs>) = args.GetResults Set |> List.map ConfigFile.parseOverride

let private number (v: float) = v.ToString("G6", Globalization.CultureInfo.InvariantCulture)

/// What --check prints: the model's levels and parameters, its heads, the parameter groups with their rates, the data
/// and the run, from the resolved config.
let private listing (config: TrainConfig) =
    let plan = config.Plan
    let layout =
        match config.Layout with
        | Reference -> sprintf "DeepCORO_CLIP layout (%s)" (config.Run.Pipeline |> Option.defaultValue "no pipeline_project")
        | _ -> "this product's layout"
    [
        yield
            sprintf
                "%s: %s, run_mode %s%s"
                config.Path
                layout
                config.Run.Mode.Split
                (if config.Run.AsReferenceBuilt then ", built as DeepCORO_CLIP builds it" else "")
        yield sprintf "model %s: input [B, %s, %d]" config.Spec.Name (String.concat ", " config.Spec.Axes) config.Spec.EmbeddingDim
        for line in SpecCommand.shapeTable plan -> "  " + line
        yield "heads:"
        for h in config.Spec.Heads do
            let column =
                match config.Data.LabelColumns.TryGetValue h.Name with
                | true, c -> c
                | _ -> h.Name
            let classes =
                match config.Data.LabelsMap.TryGetValue h.Name with
                | true, m ->
                    sprintf
                        ", classes %s"
                        (m |> Seq.sortBy (fun kv -> kv.Value) |> Seq.map (fun kv -> sprintf "%d=%s" kv.Value kv.Key) |> String.concat " ")
                | _ -> ""
            yield
                sprintf
                    "  %s: %s, %d output(s), loss %s, weight %s%s, label column %s%s"
                    h.Name
                    (SpecJson.TaskName h.Task)
                    h.Outputs
                    (SpecJson.LossName h.Loss)
                    (number h.Weight)
                    (if h.Dropout > 0.0 then sprintf ", dropout %s" (number h.Dropout) else "")
                    column
                    classes
        yield "parameter groups:"
        for g in ParameterGroups.Plan(plan, config.Train.Optimizer) do
            yield sprintf "  %s: lr %s, weight decay %s: %s" g.Name (number g.Lr) (number g.WeightDecay) (String.concat ", " g.Modules)
        let frozen =
            plan.Modules
            |> Seq.filter (fun m ->
                not (ParameterGroups.Plan(plan, config.Train.Optimizer) |> Seq.exists (fun g -> Seq.contains m.Key g.Modules)))
        if not (Seq.isEmpty frozen) then
            yield sprintf "  frozen: %s" (frozen |> Seq.map (fun m -> m.Key) |> String.concat ", ")
        let t = config.Train
        yield
            sprintf
                "training: %d epochs, seed %d, %A, %A schedule, accumulation %d, clipping %s, monitor %s"
                t.Epochs
                t.Seed
                t.Optimizer.Kind
                t.Schedule.Kind
                t.GradientAccumulation
                (t.ClipNorm |> Option.ofNullable |> Option.map number |> Option.defaultValue "none")
                t.Monitor
        let d = config.Data
        yield
            sprintf
                "data: %s (separator '%s'), splits in '%s', files in '%s'%s, %s, up to %d videos per study, batch %d"
                d.Manifest
                d.Separator
                d.SplitColumn
                d.PathColumn
                (d.EmbeddingsDir |> Option.ofObj |> Option.map (sprintf " mapped to embeddings in %s") |> Option.defaultValue "")
                (if d.MultiVideo then sprintf "studies by '%s'" d.StudyColumn else "one video per row")
                d.NumVideos
                d.BatchSize
        match config.Run.Mode, config.Run.InferenceModel with
        | Train, _ -> ()
        | _, Some weights -> yield sprintf "weights: %s" weights
        | _, None -> yield "weights: none given yet (inference_model_path, or --weights)"
    ]

/// The run directory: --output, else the config's output_dir or runs/, and the config's name.
let private runDirectory (args: ParseResults<RunArgs>) (config: TrainConfig) =
    match args.TryGetResult Output, config.Run.OutputDir with
    | Some dir, _ -> dir
    | None, Some root -> Path.Combine(root, Path.GetFileNameWithoutExtension config.Path)
    | None, None -> TrainCommands.defaultRun config.Path

/// val, test and inference: the model from its weights on the mode's split; the reference's prediction file and
/// ours, metrics with labels, the study embeddings when asked (always in inference, as DeepCORO_CLIP).
let private evaluate (args: ParseResults<RunArgs>) (config: TrainConfig) (run: string) =
    let mode = config.Run.Mode
    let weights =
        match args.TryGetResult Weights |> Option.orElse config.Run.InferenceModel with
        | Some w -> w
        | None ->
            fail (
                sprintf
                    "%s: run_mode %s needs weights: set inference_model_path (a .pt or .safetensors), or give --weights"
                    config.Path
                    mode.Split
            )
    let device = DeviceChoice.Parse(args.GetResult(Device, config.Train.Device))
    let model = RunAccess.loadModel config weights
    use _ = model.Module
    model.Module.``to`` (device) |> ignore
    let withLabels = mode <> Inference
    let data = TrainCommands.openData config (config.Data.With(labelsRequired = withLabels)) [ mode.Split ]
    let embeddings = if config.Run.SaveEmbeddings || mode = Inference then Some(StudyEmbeddings()) else None
    let studies = data.Studies.Split mode.Split
    let raw = Trainer.EvaluateWith(model, data, config.Spec, config.Train.Loss, device, studies, embeddings = Option.toObj embeddings)
    // the thresholds (and recalibration) fitted when these weights were trained sit beside them
    let folder = Path.GetDirectoryName(Path.GetFullPath weights)
    let results, metrics, intervals =
        if withLabels then
            RunAccess.evaluationOf config folder raw mode.Split
        else
            RunAccess.adjusted config folder raw, Collections.Generic.OrderedDictionary(), Collections.Generic.OrderedDictionary()
    let predictions = Path.Combine(run, "predictions")
    Directory.CreateDirectory predictions |> ignore
    let reference = Path.Combine(predictions, ReferencePredictions.FileName(mode.Split, -1))
    ReferencePredictions.Write(
        reference,
        results,
        config.Spec.Heads,
        config.Data.LabelsMap,
        -1,
        config.Data.NumVideos,
        config.Data.MultiVideo,
        withLabels
    )
    let ours = Path.Combine(run, sprintf "predictions_%s.csv" mode.Split)
    results.WritePredictions ours
    printfn "wrote %s and %s: %d studies" reference ours results.Count
    if withLabels then
        TrainDisplay.printMetrics metrics intervals
    match embeddings with
    | Some e ->
        let name = config.Run.EmbeddingFile |> Option.defaultValue "study_embeddings.safetensors"
        let path = Path.Combine(predictions, name)
        e.Save path
        printfn "wrote %s: %d study embeddings" path e.Count
    | None -> ()

let run (args: ParseResults<RunArgs>) =
    let path = args.GetResult Config
    let options = {
        ConfigFile.defaultOptions with
            Overrides = overrides args
            Embeddings = args.TryGetResult Embeddings
            Encoder = args.TryGetResult Encoder
            AsReferenceBuilt = args.Contains As_Reference_Built
    }
    let config = loadWith path options
    for w in config.Warnings do
        eprintfn "%s" w
    for n in config.Notices do
        eprintfn "%s" n
    if args.Contains Check then
        listing config |> List.iter (printfn "%s")
        printfn "ok: %s is valid" path
    else
        let run = runDirectory args config
        match config.Run.Mode with
        | Train ->
            let result =
                TrainCommands.trainConfig config options run (args.Contains Resume) (args.TryGetResult Epochs) (args.TryGetResult Device)
            TrainCommands.printRun result
        | _ -> evaluate args config run
