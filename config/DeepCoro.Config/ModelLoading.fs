/// Turns a --config argument into a model: an IR JSON, a DeepCORO_CLIP YAML/JSON config, or a golden case
/// entry (`{model, config, input_shape, ...}`, or `cases.json#name`).
module DeepCoro.Config.ModelLoading

open System.IO
open System.Text.Json
open DeepCoro.Spec
open DeepCoro.Config
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Model
open DeepCoro.Config.UserError

/// One of the reference's stand-alone probing heads: ClsTokenLinearProbingHead, or its regression form.
type StandaloneHead = { InputDim: int; OutputDim: int; Dropout: float; AttentionHeads: int; UseCls: bool; Regression: bool }

/// What a config describes: a multi-instance probe from a spec, or one of the reference's stand-alone heads.
type ModelDescription =
    | Probe of ModelPlan
    | Standalone of StandaloneHead

/// A built model behind one interface for infer and bench.
type LoadedModel =
    | ProbeModel of MilModel
    | HeadModel of LinearProbingHead

    member m.Module: TorchSharp.torch.nn.Module =
        match m with
        | ProbeModel p -> p
        | HeadModel h -> h

let private kindName (v: JsonElement) =
    match v.ValueKind with
    | JsonValueKind.Object -> "an object"
    | JsonValueKind.Array -> "an array"
    | JsonValueKind.String -> "a string"
    | JsonValueKind.Number -> "a number"
    | JsonValueKind.True
    | JsonValueKind.False -> "a boolean"
    | _ -> "null"

let private caseEntry (source: string) (name: string) (entry: JsonElement) =
    let where = sprintf "%s: case '%s'" source name
    let typed (key: string) (kind: JsonValueKind) (expected: string) (v: JsonElement) =
        if v.ValueKind = kind || (kind = JsonValueKind.True && v.ValueKind = JsonValueKind.False) then
            v
        else
            fail (sprintf "%s: '%s' must be %s, got %s" where key expected (kindName v))
    if entry.ValueKind <> JsonValueKind.Object then
        fail (sprintf "%s: expected an object {model, config, input_shape}, got %s" where (kindName entry))
    let prop (key: string) (kind: JsonValueKind) (expected: string) =
        match entry.TryGetProperty key with
        | true, v -> typed key kind expected v
        | _ -> fail (sprintf "%s has no '%s'" where key)
    let model = (prop "model" JsonValueKind.String "a string").GetString()
    let config = prop "config" JsonValueKind.Object "an object"
    let rank = (prop "input_shape" JsonValueKind.Array "an array").GetArrayLength()
    let number (key: string) (rule: OptionRules.Rule) (fallback: float option) =
        let value =
            match config.TryGetProperty key, fallback with
            | (true, v), _ -> (typed ("config." + key) JsonValueKind.Number "a number" v).GetDouble()
            | _, Some f -> f
            | _, None -> fail (sprintf "%s: config has no '%s'" where key)
        match OptionRules.violation rule value with
        | Some why -> fail (sprintf "%s: config.%s %s" where key why)
        | None -> value
    match model with
    | "multi_instance_linear_probing" -> Probe(DeepCoroConfig.planOfCaseConfig name (config.GetRawText()) rank)
    | "ClsTokenLinearProbingHead"
    | "ClsTokenLinearProbingRegressionHead" ->
        let useCls =
            match config.TryGetProperty "use_cls_token" with
            | true, v -> (typed "config.use_cls_token" JsonValueKind.True "true or false" v).GetBoolean()
            | _ -> true
        Standalone {
            InputDim = int (number "input_dim" OptionRules.count None)
            OutputDim = int (number "output_dim" OptionRules.count None)
            Dropout = number "dropout" OptionRules.belowOne (Some 0.1)
            AttentionHeads = int (number "num_heads" OptionRules.count (Some 8.0))
            UseCls = useCls
            Regression = (model = "ClsTokenLinearProbingRegressionHead")
        }
    | other ->
        fail (
            sprintf
                "%s has model '%s'; expected multi_instance_linear_probing, ClsTokenLinearProbingHead or ClsTokenLinearProbingRegressionHead"
                where
                other
        )

/// Reads a config with read options (overrides, --as-reference-built); `file.json#name` picks one entry of a cases
/// file. Returns the model and the warnings and notices of a config read, for the caller to print.
let readWith (config: string) (options: ConfigFile.ReadOptions) : ModelDescription * string list =
    let path, caseName =
        match config.LastIndexOf '#' with
        | i when i > 0 -> config.Substring(0, i), Some(config.Substring(i + 1))
        | _ -> config, None
    requireFile "config file" path
    let text = File.ReadAllText path
    let ext = Path.GetExtension(path).ToLowerInvariant()
    let imported () =
        let file = ConfigFile.read path text { options with ModelOnly = true }
        Probe file.Plan, file.Warnings @ file.Notices
    if ext = ".yaml" || ext = ".yml" then
        imported ()
    else
        match
            (try
                Some(JsonDocument.Parse text)
             with :? JsonException ->
                 None),
            caseName
        with
        // not JSON: the spec reader words it, at its line and column (DC0001)
        | None, None -> Probe(SpecJson.ParsePlan(text, path)), []
        | None, Some _ -> fail (sprintf "%s: not valid JSON; a cases file is a JSON object of cases" path)
        | Some doc, _ ->
            use doc = doc
            let root = doc.RootElement
            let has (key: string) = root.ValueKind = JsonValueKind.Object && fst (root.TryGetProperty key)
            match caseName with
            | Some _ when root.ValueKind <> JsonValueKind.Object ->
                fail (sprintf "%s: a cases file is an object of named cases, got %s" path (kindName root))
            | Some name ->
                match root.TryGetProperty name with
                | true, entry -> caseEntry path name entry, []
                | _ ->
                    let names = [ for p in root.EnumerateObject() -> p.Name ]
                    fail (sprintf "%s: no case '%s'; %s" path name (Suggestions.Hint(name, names)))
            | None when has "irVersion" -> Probe(SpecJson.ParsePlan(text, path)), []
            | None when has "model" && has "config" -> caseEntry path (Path.GetFileNameWithoutExtension path) root, []
            | None -> imported ()

/// Reads a config; `file.json#name` picks one entry of a cases file.
let read (config: string) : ModelDescription = readWith config ConfigFile.defaultOptions |> fst

let build (kernel: ClsKernel) (description: ModelDescription) : LoadedModel =
    match description with
    | Probe plan -> ProbeModel(new MilModel(plan, kernel))
    | Standalone h -> HeadModel(new LinearProbingHead(h.InputDim, h.OutputDim, h.Dropout, h.AttentionHeads, h.UseCls, h.Regression, kernel))
