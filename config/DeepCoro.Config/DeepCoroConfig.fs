/// Imports the model of a config (DeepCORO_CLIP's files, this product's training configs, or a bare map of model
/// keys such as a golden case's constructor arguments) into the spec IR, for `spec`, `infer` and `--config` of every
/// verb. What the keys mean is ConfigKeys' table, read by ConfigFile; see docs/config-keys.md.
module DeepCoro.Config.DeepCoroConfig

open System.IO
open DeepCoro.Spec
open DeepCoro.Config.ConfigFile

/// An imported model with the warnings met on the way (ignored keys, validator warnings).
type ImportResult = { Spec: ModelSpec; Warnings: string list; Notices: string list }

let private importWith (fileName: string) (text: string) (options: ReadOptions) =
    let file = read fileName text { options with ModelOnly = true }
    { Spec = file.Spec; Warnings = file.Warnings; Notices = file.Notices }

/// Imports config text with its warnings; `fileName` names the file in messages and, by its stem, the model.
let import (fileName: string) (text: string) : ImportResult = importWith fileName text defaultOptions

/// Imports config text; ConfigError on errors.
let parse (fileName: string) (text: string) : ModelSpec = (import fileName text).Spec

/// Imports a config file; ConfigError on errors.
let load (path: string) : ModelSpec = parse (Path.GetFileName path) (File.ReadAllText path)

/// Builds and resolves the model of a golden case: `config` is the JSON text of its `config` object (the
/// reference's constructor arguments) and `inputRank` the length of its `input_shape` (3 or 4).
let planOfCaseConfig (caseName: string) (config: string) (inputRank: int) : ModelPlan =
    if inputRank <> 3 && inputRank <> 4 then
        invalidArg "inputRank" (sprintf "the input rank is 3 or 4, got %d" inputRank)
    (read (sprintf "cases.json#%s" caseName) config {
        defaultOptions with
            ModelOnly = true
            DefaultRank = Some inputRank
            ModelName = Some(ModelBuild.modelNameOf caseName)
    })
        .Plan

/// The spec of a golden case's model (see planOfCaseConfig).
let ofCaseConfig (caseName: string) (config: string) (inputRank: int) : ModelSpec = (planOfCaseConfig caseName config inputRank).Spec
