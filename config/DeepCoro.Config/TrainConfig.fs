/// A training config of either layout (this product's sections, or DeepCORO_CLIP's flat file), read through the key
/// table (ConfigKeys, docs/config-keys.md): the model, how to read the data, how to train and how to run.
module DeepCoro.Config.TrainConfig

open System
open System.IO
open DeepCoro.Spec
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Training
open DeepCoro.Config.ConfigError
open DeepCoro.Config.Settings
open DeepCoro.Config.ConfigFile

/// A parsed training config: the model, how to read the data, how to train and run; warnings and notices to print.
type TrainConfig = {
    Path: string
    Layout: Layout
    /// The model, resolved once when the config was read.
    Plan: ModelPlan
    Data: DataOptions
    Train: TrainOptions
    Run: RunSettings
    Warnings: string list
    Notices: string list
} with

    member this.Spec = this.Plan.Spec

/// Reads a training config's text with overrides; ConfigError with every error. A config that trains needs its
/// data: the manifest (data.manifest, data_filename) must be given.
let parseWith (path: string) (text: string) (options: ReadOptions) : TrainConfig =
    let file = read path text options
    let unfit (message: string) =
        raise (
            ConfigError [ DeepCoro.Yaml.YamlDiagnostic(IO.Path.GetFileName path, 1, 1, DiagnosticCodes.Malformed, Severity.Error, message) ]
        )
    if file.Layout = ModelFile then
        unfit
            "neither a training config (sections model_config or model, data, optimizer, scheduler, training) nor a DeepCORO_CLIP config (pipeline_project): only model keys; add a data section with the manifest"
    if file.Settings.Data.Manifest = "" then
        unfit (sprintf "missing %s: the CSV with one row per video" (ConfigKeys.Keys.manifest.KeyIn file.Layout))
    {
        Path = path
        Layout = file.Layout
        Plan = file.Plan
        Data = file.Settings.Data
        Train = file.Settings.Train
        Run = file.Settings.Run
        Warnings = file.Warnings
        Notices = file.Notices
    }

/// Parses a training config file's text.
let parse (path: string) (text: string) : TrainConfig = parseWith path text defaultOptions

/// Reads a training config file.
let loadWith (path: string) (options: ReadOptions) =
    if Directory.Exists path then
        raise (UserError.UserFailure(sprintf "%s: is a folder; --config names a config file" path))
    if not (File.Exists path) then
        raise (UserError.UserFailure(sprintf "%s: config file not found" path))
    parseWith path (File.ReadAllText path) options

let load (path: string) = loadWith path defaultOptions
