/// Checks a trial's config before launch, so a trial the spec checks reject (6 attention heads over a width of 512:
/// DC0003) is recorded as invalid instead of run. The model is what a trial can get wrong before training starts:
/// `model_config` (DeepCORO_CLIP keys) goes through the config import, `model: <path>` through the spec loader,
/// and a file of bare model keys through the import as a whole.
module DeepCoro.Config.SweepValidation

open System
open System.IO
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Yaml
open DeepCoro.Config
open DeepCoro.Runtime.Sweeps
open DeepCoro.Runtime.Training

/// The `model:` path of a trial config, unless it has model_config or is not a map; a file that does not read as
/// YAML gets None too, so that the import below reports it with its line and column.
let private modelPath (text: string) =
    let r = YamlDocumentReader("")
    match r.Load(text, "") with
    | :? YamlMappingNode as root ->
        let m = r.Map(root, "")
        if m.Find("model_config").HasValue then None
        else
            match Option.ofNullable (m.Find "model") with
            | Some e ->
                match e.Value with
                | :? YamlScalarNode as s -> Some s.Value
                | _ -> None
            | None -> None
    | _ -> None

type Validator() =
    interface ITrialValidator with
        member _.Check(configPath, configText) =
            try
                match modelPath configText with
                | Some path ->
                    let full = if Path.IsPathRooted path then path else Path.Combine(Path.GetDirectoryName configPath, path)
                    match ModelLoading.describe full with
                    | ModelLoading.Probe spec ->
                        SpecValidator.Validate spec |> Seq.filter (fun d -> d.Severity = Severity.Error)
                        |> Seq.map string |> String.concat "; " |> fun s -> if s = "" then null else s
                    | ModelLoading.StandaloneHead _ -> null
                | None ->
                    DeepCoroConfig.import (Path.GetFileName configPath) configText |> ignore
                    null
            with
            | :? DeepCoroConfig.ConfigError as e -> e.Diagnostics |> List.map string |> String.concat "; "
            | e ->
                match UserError.describe e with
                | Some message -> message
                | None -> reraise ()

/// The model of a base config (model_config, or model: <path>), or None when it names none.
let private modelOf (configPath: string) (configText: string) =
    match modelPath configText with
    | Some path ->
        let full = if Path.IsPathRooted path then path else Path.Combine(Path.GetDirectoryName(Path.GetFullPath configPath), path)
        match ModelLoading.describe full with
        | ModelLoading.Probe spec -> Some spec
        | ModelLoading.StandaloneHead _ -> None
    | None -> Some (DeepCoroConfig.import (Path.GetFileName configPath) configText).Spec

/// Why `deepcoro train` could never report the sweep's metric for this base config, or None. Checked before the sweep
/// starts, so a metric the trainer does not log fails once, not in every trial.
let metricProblem (sweepFile: string) (basePath: string) (baseText: string) (metric: string) =
    match modelOf basePath baseText with
    | None -> None
    | Some spec ->
        let validation = List.ofSeq (Trainer.MetricKeys(spec, "val"))
        let logged = validation @ List.ofSeq (Trainer.MetricKeys(spec, "train"))
        if List.contains metric logged then None
        else
            let hint =
                match Suggestions.Closest(metric, logged) with
                | null when validation.Length <= 8 -> sprintf "it logs %s, and the same under train/" (String.Join(", ", validation))
                | null -> sprintf "it logs val/main_loss and val/<head>_<metric> for each head (e.g. %s), and the same under train/" validation.Head
                | closest -> sprintf "did you mean '%s'?" closest
            Some(sprintf "%s: metric.name '%s' is not a metric `deepcoro train` logs for the model of %s; %s" sweepFile metric
                     (Path.GetFileName basePath) hint)
