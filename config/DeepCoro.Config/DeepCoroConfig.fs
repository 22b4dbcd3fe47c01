/// Imports a DeepCORO_CLIP `MultiInstanceLinearProbing` config (YAML, or JSON which is YAML too) into the spec IR.
///
/// The file is either a whole reference config with a `model_config:` section (other top-level keys belong to
/// training and are ignored) or a bare map of the model's keys. Every model key is honoured, including the ones
/// the reference's loader drops (num_attention_heads, separate_video_attention, normalization_strategy); an
/// unknown key is an error with its line, column and the closest known key.
///
/// Head task rule (the reference has no task per head): `head_task.<head>` if given; else the kind its
/// `loss_structure` loss implies (mse/mae/rmse/huber: regression, bce_logit: binary, ce/focal: multiclass);
/// else by output count: 1 regression, 2 binary, 3 or more multiclass. The loss is `loss_structure.<head>` or
/// the IR default of the task (mse, bce, ce); `head_weights.<head>` gives the loss weight (default 1).
module DeepCoro.Config.DeepCoroConfig

open System
open System.IO
open DeepCoro.Spec
open DeepCoro.Dsl.Dsl
open DeepCoro.Yaml
open YamlDotNet.Core
open YamlDotNet.RepresentationModel

/// One finding about a config file, located in it. Findings of the spec validator keep its code (DC0003 ...) at the head of the message.
type ConfigDiagnostic = YamlDiagnostic

/// A config that cannot be imported: every error, each as `file:line:column: message`.
type ConfigError(diagnostics: ConfigDiagnostic list) =
    inherit Exception(diagnostics |> List.map string |> String.concat "\n")
    member _.Diagnostics = diagnostics
    member _.File = diagnostics.Head.File
    member _.Line = diagnostics.Head.Line
    member _.Column = diagnostics.Head.Column

/// An imported model with the warnings met on the way (ignored keys, validator warnings).
type ImportResult = { Spec: ModelSpec; Warnings: ConfigDiagnostic list }

/// The reference's pooling modes, in its own spelling.
let poolingModes = [ "mean"; "max"; "attention"; "cls_token"; "mean+cls_token"; "attention+cls_token" ]

/// Model keys of the reference constructor, then this importer's extensions.
let modelKeys =
    [ "embedding_dim"; "head_structure"; "pooling_mode"; "attention_hidden"; "dropout"; "num_attention_heads"
      "separate_video_attention"; "normalization_strategy"; "num_view_classes"; "use_cls_token"
      "input_rank"; "axes"; "head_task"; "loss_structure"; "head_weights" ]

/// Options of the pooling levels of one config.
type PoolingOptions =
    { AttentionHidden: int; Dropout: float; AttentionHeads: int; Separate: bool; PreNorm: bool }

let defaultPooling = { AttentionHidden = 128; Dropout = 0.0; AttentionHeads = 8; Separate = true; PreNorm = false }

/// The hierarchy that reproduces the reference's `pooling_mode` on input axes `[outer]` (3D input) or
/// `[outer; inner]` (4D input, e.g. [videos; tokens]).
let stagesFor (mode: string) (axes: Axis list) (o: PoolingOptions) : Stage list =
    let cls a =
        clsToken over a |> attentionHeads o.AttentionHeads |> (if o.PreNorm then preNorm else postNorm)
        |> dropout o.Dropout |> (if o.Separate then id else sharedAttention)
    let gated a = gatedAttention over a |> hidden o.AttentionHidden |> dropout o.Dropout
    match axes, mode with
    | [ v ], "mean" -> [ mean over v ]
    | [ v ], "max" -> [ max over v ]
    | [ v ], "attention" -> [ gated v ]
    | [ v ], "cls_token" -> [ cls v ]
    | [ v ], "mean+cls_token" -> [ concat [ mean over v; cls v ] ]
    | [ v ], "attention+cls_token" -> [ concat [ gated v; cls v ] ]
    | [ v; t ], "mean" -> [ mean over t; mean over v ]
    | [ v; t ], "max" -> [ mean over t; max over v ]
    | [ v; t ], "attention" -> [ gated t; gated v ]
    | [ v; t ], "cls_token" -> [ cls t; cls v ]
    | [ v; t ], "mean+cls_token" -> [ mean over t; concat [ mean over v; cls v ] ]
    | [ v; t ], "attention+cls_token" -> [ concat [ branch [ gated t; gated v ]; branch [ cls t; cls v ] ] ]
    | _ -> invalidArg "mode" (sprintf "no mapping for pooling_mode '%s' over %d axes" mode axes.Length)

/// The reference builds its "within" cls layer whenever cls layers are separate, but only a 4D cls level
/// over tokens uses it (not 3D input, not mean+cls_token). Those tensors stay in its state_dicts, so the
/// imported spec keeps them as unused parameters: its weights then load strictly and exports load back.
let unusedReferenceParameters (mode: string) (axes: Axis list) (o: PoolingOptions) (dim: int) =
    let withinUsed = axes.Length = 2 && (mode = "cls_token" || mode = "attention+cls_token")
    if not (mode.Contains "cls_token") || not o.Separate || withinUsed then []
    else
        let attention = ReferenceNames.Attention "tokens"
        let norm = ReferenceNames.Norm "tokens"
        [ attention + ".in_proj_weight", [ 3 * dim; dim ]
          attention + ".in_proj_bias", [ 3 * dim ]
          attention + ".out_proj.weight", [ dim; dim ]
          attention + ".out_proj.bias", [ dim ]
          norm + ".weight", [ dim ]
          norm + ".bias", [ dim ] ]
        |> List.map (fun (key, shape) -> UnusedParameter(key, EquatableList.ToEquatableList shape))

let private lossNames =
    [ "mse", LossKind.Mse; "mae", LossKind.Mae; "rmse", LossKind.Rmse; "huber", LossKind.Huber; "bce_logit", LossKind.Bce; "ce", LossKind.Ce; "focal", LossKind.Focal ]

let private taskNames = [ "regression", TaskKind.Regression; "binary", TaskKind.Binary; "multiclass", TaskKind.Multiclass ]

let private taskOfLoss l =
    match l with
    | LossKind.Mse | LossKind.Mae | LossKind.Rmse | LossKind.Huber -> TaskKind.Regression
    | LossKind.Bce -> TaskKind.Binary
    | _ -> TaskKind.Multiclass

/// The documented head task rule: explicit task, else the loss's task, else by outputs (1, 2, 3+).
let headTask (explicitTask: TaskKind option) (loss: LossKind option) (outputs: int) =
    match explicitTask, loss with
    | Some t, _ -> t
    | None, Some l -> taskOfLoss l
    | None, None -> if outputs <= 1 then TaskKind.Regression elif outputs = 2 then TaskKind.Binary else TaskKind.Multiclass

/// A model name (letters, digits, '_') from a file or case name: "cls4d_post-separate.yaml" -> "Cls4dPostSeparate".
let modelNameOf (source: string) =
    let words = Text.RegularExpressions.Regex.Split(source, "[^A-Za-z0-9]+") |> Array.filter (fun w -> w <> "")
    let name = words |> Array.map (fun w -> string (Char.ToUpperInvariant w.[0]) + w.Substring 1) |> String.concat ""
    if name = "" then "Model" elif Char.IsLetter name.[0] then name else "Model" + name

let private describeNode (node: YamlNode) =
    match node with
    | :? YamlScalarNode as s when s.Style = ScalarStyle.Plain -> sprintf "'%s'" s.Value
    | :? YamlScalarNode as s -> sprintf "the string '%s'" s.Value
    | :? YamlMappingNode -> "a map"
    | :? YamlSequenceNode -> "a list"
    | _ -> "an alias"

/// This format's phrasing: numbers and booleans unquoted, "expected X but found Y".
let private wording =
    YamlWording(PlainScalarsOnly = true, Expected = fun what expected found -> sprintf "%s: expected %s but found %s" what expected (describeNode found))

type private Ctx = YamlDocumentReader

let private readInt (c: Ctx) key node = c.Int(node, key) |> Option.ofNullable
let private readFloat (c: Ctx) key node = c.Float(node, key) |> Option.ofNullable
let private readBool (c: Ctx) key node = c.Bool(node, key) |> Option.ofNullable
let private readString (c: Ctx) key node = c.String(node, key) |> Option.ofObj

let private readChoice (c: Ctx) key (choices: (string * 'T) list) (node: YamlNode) =
    match c.TryChoice(node, key, choices |> List.map Collections.Generic.KeyValuePair) with
    | true, x -> Some x
    | _ -> None

/// The entries of a map, keys as strings, in file order.
let private entries (c: Ctx) key (node: YamlNode) : YamlEntry list option =
    c.Map(node, key) |> Option.ofObj |> Option.map (fun m -> List.ofSeq m.Entries)

/// Where a validator finding (IR path) stands in the config: the value at fault, or the head's name.
let private locate (valueNode: string -> YamlNode option) (headKeys: YamlNode list) (fallback: YamlNode) (path: string) =
    let first keys = keys |> List.tryPick valueNode
    let found =
        if path.StartsWith "heads[" then
            let i = path.Substring(6, path.IndexOf ']' - 6) |> int
            List.tryItem i headKeys
        elif path.EndsWith ".attentionHeads" then first [ "num_attention_heads"; "embedding_dim"; "pooling_mode" ]
        elif path.EndsWith ".hidden" then first [ "attention_hidden"; "pooling_mode" ]
        elif path.EndsWith ".dropout" then first [ "dropout"; "pooling_mode" ]
        elif path.StartsWith "viewEmbedding" then first [ "num_view_classes" ]
        elif path.StartsWith "embeddingDim" then first [ "embedding_dim" ]
        elif path.StartsWith "axes" then first [ "axes"; "input_rank" ]
        elif path.StartsWith "pooling" then first [ "pooling_mode"; "embedding_dim" ]
        else None
    defaultArg found fallback

let rec private importNode (c: Ctx) (modelName: string) (defaultRank: int option) (root: YamlNode) : ModelSpec option =
    let before = c.Errors.Count
    let rootMap = c.Map(root, "the config") |> Option.ofObj
    let section, sectionName =
        match rootMap |> Option.bind (fun m -> m.Find "model_config" |> Option.ofNullable) with
        | Some e -> c.Map(e.Value, "model_config") |> Option.ofObj, "model_config"
        | None -> rootMap, "the model config"
    match section with
    | Some m when c.Errors.Count = before -> importSection c modelName defaultRank m sectionName
    | _ -> None

and private importSection c modelName defaultRank (items: YamlMap) sectionName =
    let section = items.Node :> YamlNode
    let known = items.Known(modelKeys, sectionName)
    let value k = known |> Seq.tryFind (fun e -> e.Key = k) |> Option.map (fun e -> e.Value)
    let opt k reader dflt = match value k with | Some v -> reader c k v | None -> Some dflt
    let required k reader =
        match value k with
        | Some v -> reader c k v
        | None -> c.Error(section, DiagnosticCodes.Malformed, sprintf "missing required key '%s' in %s" k sectionName); None

    let dim = required "embedding_dim" readInt
    let headEntries =
        match value "head_structure" with
        | Some v ->
            let es = entries c "head_structure" v |> Option.defaultValue []
            if es.IsEmpty && (v :? YamlMappingNode) then c.Error(v, DiagnosticCodes.NoHeads, "head_structure: at least one head is needed, e.g. { cathEF: 1 }")
            es |> List.choose (fun e -> readInt c (sprintf "head_structure.%s" e.Key) e.Value |> Option.map (fun o -> e.Key, e.KeyNode, o))
        | None -> c.Error(section, DiagnosticCodes.Malformed, sprintf "missing required key 'head_structure' in %s" sectionName); []
    let headNames = headEntries |> List.map (fun (n, _, _) -> n)
    /// A per-head map (head_task, loss_structure, head_weights): head name -> value.
    let perHead key reader =
        match value key with
        | None -> Map.empty
        | Some v ->
            entries c key v |> Option.defaultValue []
            |> List.choose (fun e ->
                if not (List.contains e.Key headNames) then
                    c.Error(e.KeyNode, DiagnosticCodes.InvalidValue, sprintf "%s: '%s' is not a head of head_structure; %s" key e.Key (Suggestions.Hint(e.Key, headNames)))
                    None
                else reader (sprintf "%s.%s" key e.Key) e.Value |> Option.map (fun x -> e.Key, x))
            |> Map.ofList
    let tasks = perHead "head_task" (fun k n -> readChoice c k taskNames n)
    let losses = perHead "loss_structure" (fun k n -> readChoice c k lossNames n)
    let weights = perHead "head_weights" (readFloat c)

    let mode = opt "pooling_mode" (fun c k n -> readChoice c k (poolingModes |> List.map (fun m -> m, m)) n) "mean"
    let hiddenSize = opt "attention_hidden" readInt 128
    let drop = opt "dropout" readFloat 0.0
    let nHeads = opt "num_attention_heads" readInt 8
    let separate = opt "separate_video_attention" readBool true
    let norm = opt "normalization_strategy" (fun c k n -> readChoice c k [ "post_norm", false; "pre_norm", true ] n) false
    let views = opt "num_view_classes" readInt 0
    match views, value "num_view_classes" with
    | Some v, Some node when v < 0 -> c.Error(node, DiagnosticCodes.InvalidValue, sprintf "num_view_classes: must be 0 (no view embedding) or more, got %d" v)
    | _ -> ()
    match value "use_cls_token", mode with
    | Some node, Some m ->
        readBool c "use_cls_token" node
        |> Option.iter (fun useCls ->
            if useCls <> m.Contains "cls_token" then
                c.Warn(node, sprintf "use_cls_token: %b is ignored: pooling_mode '%s' %s a cls token and decides, as in the reference (which never passes use_cls_token to the model)"
                                 useCls m (if useCls then "has no" else "has")))
    | _ -> ()

    // input axes: input_rank (3 or 4), axes (1 or 2 names), or the caller's default rank
    let rankAxes r = if r = 3 then [ videos ] else [ videos; tokens ]
    let fromRank =
        value "input_rank" |> Option.bind (fun node ->
            readInt c "input_rank" node |> Option.bind (fun r ->
                if r = 3 || r = 4 then Some(r, node)
                else c.Error(node, DiagnosticCodes.InvalidValue, sprintf "input_rank: the input is [B, N, D] (3) or [B, N, L, D] (4), got %d" r); None))
    let fromAxes =
        value "axes" |> Option.bind (fun node ->
            match node with
            | :? YamlSequenceNode as s when s.Children.Count = 1 || s.Children.Count = 2 ->
                let names = s.Children |> Seq.choose (fun a -> readString c "axes" a) |> List.ofSeq
                if names.Length = s.Children.Count then Some(names |> List.map axis, node) else None
            | _ -> c.Error(node, DiagnosticCodes.InvalidValue, "axes: expected a list of one axis (3D input, e.g. [videos]) or two, outermost first (e.g. [videos, tokens])"); None)
    let axes =
        match fromRank, fromAxes with
        | Some(r, node), Some(a, _) when r <> a.Length + 2 ->
            c.Error(node, DiagnosticCodes.InvalidValue, sprintf "input_rank %d disagrees with axes, which give rank %d" r (a.Length + 2)); None
        | _, Some(a, node) ->
            match defaultRank with
            | Some d when d <> a.Length + 2 -> c.Error(node, DiagnosticCodes.InvalidValue, sprintf "axes give rank %d but the input's rank is %d" (a.Length + 2) d); None
            | _ -> Some a
        | Some(r, node), None ->
            match defaultRank with
            | Some d when d <> r -> c.Error(node, DiagnosticCodes.InvalidValue, sprintf "input_rank %d disagrees with the input's rank %d" r d); None
            | _ -> Some(rankAxes r)
        | None, None -> Some(rankAxes (defaultArg defaultRank 4))

    if c.Errors.Count > 0 then None
    else
        match dim, mode, hiddenSize, drop, nHeads, separate, norm, views, axes with
        | Some dim, Some mode, Some hid, Some drop, Some nh, Some sep, Some pre, Some views, Some axes ->
            let pooling = { AttentionHidden = hid; Dropout = drop; AttentionHeads = nh; Separate = sep; PreNorm = pre }
            let hs =
                headEntries |> List.map (fun (name, _, outs) ->
                    let l = Map.tryFind name losses
                    { Name = name; Task = headTask (Map.tryFind name tasks) l outs; Outputs = outs; Loss = l
                      Weight = Map.tryFind name weights |> Option.defaultValue 1.0 })
            let spec =
                let built = hierarchy (stagesFor mode axes pooling) |> heads hs |> withViews views |> withAxes axes |> model modelName dim
                built.WithUnusedParameters(EquatableList.ToEquatableList(unusedReferenceParameters mode axes pooling dim))
            let headKeys = headEntries |> List.map (fun (_, kn, _) -> kn)
            let reported = Collections.Generic.HashSet<string * int * int * string>()
            for d in (ModelPlan.Of spec).Diagnostics do
                let node = locate value headKeys section d.Path
                let line, col = int node.Start.Line, int node.Start.Column
                if reported.Add((d.Code, line, col, d.Message)) then
                    // the validator's code leads its message: "DC0003: 6 attention heads do not divide ..."
                    let diag = ConfigDiagnostic(c.File, line, col, d.Code, d.Severity, sprintf "%s: %s" d.Code d.Message)
                    if d.Severity = Severity.Error then c.Errors.Add diag else c.Warnings.Add diag
            if c.Errors.Count > 0 then None else Some spec
        | _ -> None

let private run (fileName: string) (modelName: string) (defaultRank: int option) (text: string) : ImportResult =
    let c = Ctx(fileName, wording)
    let root = c.Load(text, "the config is empty") |> Option.ofObj
    let spec = root |> Option.bind (importNode c modelName defaultRank)
    match spec with
    | Some s when c.Errors.Count = 0 -> { Spec = s; Warnings = List.ofSeq c.Warnings }
    | _ -> raise (ConfigError(List.ofSeq c.Errors))

/// Imports config text with its warnings; `fileName` names the file in messages and, by its stem, the model.
let import (fileName: string) (text: string) : ImportResult =
    run fileName (modelNameOf (Path.GetFileNameWithoutExtension fileName)) None text

/// Imports config text (`fileName` names it in errors and, by its stem, names the model); ConfigError on errors.
let parse (fileName: string) (text: string) : ModelSpec = (import fileName text).Spec

/// Imports a config file; ConfigError on errors.
let load (path: string) : ModelSpec = parse (Path.GetFileName path) (File.ReadAllText path)

/// Builds the model of a golden case: `config` is the JSON text of its `config` object (the reference's
/// constructor arguments) and `inputRank` the length of its `input_shape` (3 or 4).
let ofCaseConfig (caseName: string) (config: string) (inputRank: int) : ModelSpec =
    if inputRank <> 3 && inputRank <> 4 then invalidArg "inputRank" (sprintf "the input rank is 3 or 4, got %d" inputRank)
    (run (sprintf "cases.json#%s" caseName) (modelNameOf caseName) (Some inputRank) config).Spec
