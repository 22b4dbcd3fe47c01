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
                    match ModelLoading.read full with
                    | ModelLoading.Probe spec ->
                        (ModelPlan.Of spec).Errors |> Seq.filter (fun d -> d.Severity = Severity.Error)
                        |> Seq.map string |> String.concat "; " |> fun s -> if s = "" then null else s
                    | ModelLoading.Standalone _ -> null
                | None ->
                    DeepCoroConfig.import (Path.GetFileName configPath) configText |> ignore
                    null
            with
            | :? ConfigError.ConfigError as e -> e.Diagnostics |> List.map string |> String.concat "; "
            | e ->
                match UserError.messageOf e with
                | Some message -> message
                | None -> reraise ()
