/// Reads one config file of either layout through the key table: detects the layout, applies command-line
/// overrides, applies every key (the heads first, so per-head keys can be checked), builds the model, and words what
/// differs from what the user may think in warnings and notices. Every error is collected and raised together.
module DeepCoro.Config.ConfigFile

open System
open System.IO
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Yaml
open DeepCoro.Config.ConfigError
open DeepCoro.Config.ConfigReader
open DeepCoro.Config.Settings
open DeepCoro.Config.ConfigKeys

/// How to read a file: `--set key=value` overrides, `--as-reference-built`, and for model files the input's rank.
type ReadOptions = {
    Overrides: (string * string) list
    /// A folder of embeddings for a CSV of videos (--embeddings): the layout's key for it, set.
    Embeddings: string option
    /// A TorchScript encoder trained with the probe from the CSV's videos (--encoder): the layout's key for it, set.
    Encoder: string option
    AsReferenceBuilt: bool
    /// Read only the model (spec, infer): a nested file's other sections are not looked at.
    ModelOnly: bool
    DefaultRank: int option
    /// The model's name; by default the file's stem.
    ModelName: string option
}

let defaultOptions = {
    Overrides = []
    Embeddings = None
    Encoder = None
    AsReferenceBuilt = false
    ModelOnly = false
    DefaultRank = None
    ModelName = None
}

/// A config read: its layout, everything it set, the model, and what the user should know.
type ConfigFile = {
    Path: string
    Layout: Layout
    Settings: Settings
    /// The model, resolved once here and passed along.
    Plan: ModelPlan
    /// Findings about keys and values (located), printed as warnings.
    Warnings: string list
    /// What the run will do differently from what DeepCORO_CLIP would: one line each.
    Notices: string list
} with

    member this.Spec = this.Plan.Spec

/// The layout of a file from its top-level keys: DeepCORO_CLIP's files name their pipeline_project, this product's
/// training configs have sections, anything else is a bare map of model keys.
let layoutOf (root: YamlNode) =
    match root with
    | :? YamlMappingNode as m ->
        let has (k: string) = m.Children.ContainsKey(YamlScalarNode k)
        if Keys.pipelineProject.Flat |> List.exists has then Reference
        elif sections |> List.exists has then Nested
        else ModelFile
    | _ -> ModelFile

/// Applies `key` read from `entry` to the settings, noting where a model key was written.
let private apply (r: ConfigReader) (heads: string list) (s: Settings) (key: Setting, entry: YamlEntry, name: string) =
    let s = key.Apply { Reader = r; Heads = heads; Key = name } entry.Value s
    if key.IsModelKey then { s with Model = { s.Model with Written = Map.add key.Id entry.Value s.Model.Written } } else s

/// The keys of a map in a layout and section: known ones paired with their row; unknown ones reported (an error in
/// this product's layouts, a warning with the closest key in DeepCORO_CLIP's, which drops them silently).
let private known (r: ConfigReader) (layout: Layout) (section: string) (where: string) (entries: YamlEntry list) =
    let keys = keysOf layout section
    let names = keys |> List.map fst |> List.distinct
    entries
    |> List.choose (fun e ->
        match keys |> List.tryFind (fun (name, _) -> name = e.Key) with
        | Some(_, k) -> Some(k, e, (if section = "" || section = "model_config" then e.Key else section + "." + e.Key))
        | None ->
            if layout = Reference then
                let closest =
                    Suggestions.Closest(e.Key, names)
                    |> Option.ofObj
                    |> Option.map (sprintf "; did you mean '%s'?")
                    |> Option.defaultValue ""
                r.Warn(
                    e.KeyNode,
                    sprintf "'%s' is a key of no DeepCORO_CLIP config class: ignored, as DeepCORO_CLIP drops it%s" e.Key closest
                )
            else
                r.Unknown(e.KeyNode, e.Key, where, names)
            None)

/// The entries of the file's keys to apply, in the layout's places.
let private entriesOf (r: ConfigReader) (layout: Layout) (options: ReadOptions) (root: YamlNode) =
    let top = r.Entries("the config", root)
    match layout with
    | Nested ->
        let allowed = if options.ModelOnly then [ "model_config" ] else sections
        top
        |> List.collect (fun e ->
            if e.Key = "model" then
                known r Nested "" "the config" [ e ]
            elif List.contains e.Key allowed then
                known r Nested e.Key e.Key (r.Entries(e.Key, e.Value))
            elif options.ModelOnly then
                []
            else
                r.Unknown(e.KeyNode, e.Key, "the config", sections)
                [])
    | Reference -> known r Reference "" "the config" top
    | ModelFile -> known r ModelFile "" "the model config" top

/// One warning for every key that only DeepCORO_CLIP's encoder, augmentation, AMP, W&B or DDP use; with an encoder,
/// the encoder's keys that a run honours are not among them.
let private encoderSummary (r: ConfigReader) (root: YamlNode) (applied: (Setting * YamlEntry * string) list) (withEncoder: bool) =
    let skipped =
        applied
        |> List.filter (fun (k, _, _) -> k.Status <> Honoured && not (withEncoder && k.Status = WithEncoder))
        |> List.map (fun (_, e, _) -> e.Key)
    let effect =
        if withEncoder then "are not applied by this run (its encoder is the exported one)" else "have no effect on stored embeddings"
    if not skipped.IsEmpty then
        r.Warn(
            root,
            sprintf
                "%d keys concern only DeepCORO_CLIP's video encoder, augmentation, AMP, W&B or DDP and %s: %s (docs/config-keys.md says why each)"
                skipped.Length
                effect
                (String.concat ", " skipped)
        )

/// labels_map as written, read once the heads are known: a label with an integer value names a class id (class names
/// of predictions and confusion matrices; label text in the CSV read through it); any other value (DeepCORO_CLIP's
/// regression and binary heads carry display names such as `Value: regression`) is display only, as it is there.
let private labelsMap (spec: ModelSpec) (s: Settings) =
    let classId (node: YamlNode) =
        match node with
        | :? YamlScalarNode as v when v.Style = YamlDotNet.Core.ScalarStyle.Plain || YamlTags.Of v = YamlTags.Int ->
            match YamlScalars.TryInt v.Value with
            | true, id when id >= 0 -> Some id
            | _ -> None
        | _ -> None
    let classes = [
        for head, labels in s.LabelsMap do
            let h = spec.Heads |> Seq.find (fun h -> h.Name = head)
            let ids = labels |> List.choose (fun (label, node) -> classId node |> Option.map (fun id -> label, id))
            if h.Task <> TaskKind.Regression && not ids.IsEmpty then
                yield
                    head,
                    Collections.Generic.Dictionary<string, int>(Map.ofList ids) :> Collections.Generic.IReadOnlyDictionary<string, int>
    ]
    s.Data.With(labelsMap = Collections.Generic.Dictionary<string, _>(Map.ofList classes))

/// A DeepCORO_CLIP file's target_label against the heads: each head reads the column of its own name.
let private targetLabels (r: ConfigReader) (spec: ModelSpec) (s: Settings) =
    match s.TargetLabels with
    | Some(labels, node) ->
        // inference reads no labels (DeepCORO_CLIP neither), so only the other modes need a column per head; a
        // survival head reads its survival_columns instead
        for h in spec.Heads do
            if not (List.contains h.Name labels) && s.Run.Mode <> Inference && h.Task <> TaskKind.Survival then
                r.Error(
                    node,
                    sprintf
                        "target_label: head '%s' of head_structure has no label column here; add it (heads read the column of their own name)"
                        h.Name
                )
        let unused = labels |> List.filter (fun l -> not (spec.Heads |> Seq.exists (fun h -> h.Name = l)))
        if not unused.IsEmpty then
            r.Warn(node, sprintf "target_label: %s name no head of head_structure; not read" (String.concat ", " unused))
    | None -> ()

/// What the run does differently from DeepCORO_CLIP with the same file, as one notice, or none.
let private referenceNotice (s: Settings) =
    let optimizer = s.Train.Optimizer
    let ignored = [
        yield! ModelBuild.referenceIgnored s.Model
        if optimizer.AttentionWithinLr.HasValue || optimizer.AttentionWithinWeightDecay.HasValue then
            yield "attention_within_lr/_weight_decay (parsed, never used: its within layers train with the cls group)"
    ]
    if ignored.IsEmpty || s.Run.AsReferenceBuilt then
        []
    else
        [
            sprintf
                "notice: this file is built as written; DeepCORO_CLIP itself would ignore %s. Pass --as-reference-built to build and train what it builds, so that its checkpoints load."
                (String.concat "; " ignored)
        ]

/// A `--set key=value` argument as a pair; UserError.fail-style message when it has no '='.
let parseOverride (kv: string) =
    match kv.IndexOf '=' with
    | i when i > 0 -> kv.Substring(0, i).Trim(), kv.Substring(i + 1)
    | _ -> raise (DeepCoroUserException(sprintf "--set %s: expected key=value, e.g. --set epochs=5" kv))

/// The keys a `--set` may name in a layout, dotted as typed: DeepCORO_CLIP's flat keys, a model file's keys, or this
/// product's `section.key` (and its top-level keys).
let private overridable (layout: Layout) =
    match layout with
    | Nested -> [
        for key, _ in keysOf Nested "" -> key
        for s in sections do
            for key, _ in keysOf Nested s -> s + "." + key
      ]
    | _ -> [ for key, _ in keysOf layout "" -> key ]

/// Refuses a `--set` key the layout does not read: a value typed on the command line is never dropped or reported
/// at a place in the file where it is not.
let private checkOverrideKeys (layout: Layout) (overrides: (string * string) list) =
    let known = overridable layout |> List.distinct
    for key, value in overrides do
        let segments = key.Split '.'
        let named =
            if layout = Nested && segments.Length > 1 && List.contains segments[0] sections then
                segments[0] + "." + segments[1]
            else
                segments[0]
        if not (List.contains named known) then
            let hint =
                match Suggestions.Closest(key, known) with
                | null -> "docs/config-keys.md lists the keys"
                | closest -> sprintf "did you mean '%s'?" closest
            raise (DeepCoroUserException(sprintf "--set %s=%s: unknown key '%s'; %s" key value key hint))

/// A setting's first key in a layout, dotted as `--set` names it.
let private dotted (key: Setting) (layout: Layout) = key.KeyIn(if layout = Reference then Reference else Nested)

/// The overrides a read applies: --set pairs, then the flags that stand for keys of the file's layout.
let private overridesOf (r: ConfigReader) (root: YamlNode) (layout: Layout) (options: ReadOptions) = [
    yield! options.Overrides
    match options.Embeddings with
    | Some dir -> yield dotted Keys.embeddings layout, Path.GetFullPath dir
    | None -> ()
    match options.Encoder with
    | Some file -> yield dotted Keys.encoderPath layout, Path.GetFullPath file
    | None -> ()
    if options.AsReferenceBuilt then
        if layout = Reference then
            yield dotted Keys.asReferenceBuilt layout, "true"
        else
            r.Warn(root, "--as-reference-built concerns DeepCORO_CLIP's config files; this one is built as written")
]

/// A file loaded, its layout known, the overrides applied: its reader, root, layout and base folder (DeepCORO_CLIP's
/// scripts run from its repository root, so its relative paths are the working directory's).
let private prepare (path: string) (text: string) (options: ReadOptions) =
    let r = ConfigReader(Path.GetFileName path)
    let root = r.Load(text, "the config is empty")
    if isNull root then
        raise (ConfigError(List.ofSeq r.Errors))
    let layout = layoutOf root
    checkOverrideKeys layout options.Overrides
    if layout = Reference then
        r.RepeatedKeys <- RepeatedKeyRule.LastWins
    match root with
    | :? YamlMappingNode as map ->
        for key, value in overridesOf r root layout options do
            match r.Override(map, key, value) with
            | null -> ()
            | message -> r.Error(root, DiagnosticCodes.InvalidValue, message)
    | _ -> ()
    let baseDir = if layout = Reference then Environment.CurrentDirectory else Path.GetDirectoryName(Path.GetFullPath path)
    r, root, layout, baseDir

/// The text a run keeps of its config: the overrides applied, every path absolute, each repeated key once (its last
/// value), so that the copy reads as the run read the original wherever it is opened from.
let resolvedText (path: string) (text: string) (options: ReadOptions) (header: string) =
    let _, root, layout, baseDir = prepare path text options
    let absolute (map: YamlMappingNode) (section: string) =
        for key, _ in keysOf layout section |> List.filter (fun (_, k) -> k.IsPath) do
            match map.Children.TryGetValue(YamlScalarNode key) with
            | true, (:? YamlScalarNode as value) when not (Path.IsPathRooted value.Value) ->
                map.Children[YamlScalarNode key] <- YamlScalarNode(Path.GetFullPath(Path.Combine(baseDir, value.Value)))
            | _ -> ()
    let resolved = YamlDocumentReader.WithoutRepeats root
    match resolved with
    | :? YamlMappingNode as map ->
        absolute map ""
        if layout = Nested then
            for section in sections do
                match map.Children.TryGetValue(YamlScalarNode section) with
                | true, (:? YamlMappingNode as inner) -> absolute inner section
                | _ -> ()
    | _ -> ()
    use writer = new StringWriter()
    writer.WriteLine("# " + header)
    YamlStream(YamlDocument resolved).Save(writer, assignAnchors = false)
    let text = writer.ToString()
    // YamlDotNet closes the document with "...": dropped, so the copy reads like a hand-written config
    if text.EndsWith "...\n" then text.Substring(0, text.Length - 4) else text

/// Reads a config file's text; ConfigError with every error when it cannot be used.
let rec read (path: string) (text: string) (options: ReadOptions) : ConfigFile =
    let file = Path.GetFileName path
    let r, root, layout, baseDir = prepare path text options
    let entries = if r.Errors.Count = 0 then entriesOf r layout options root else []
    let settings = initial layout baseDir
    let pass0, rest = entries |> List.partition (fun (k, _, _) -> k.Pass = 0)
    let settings = pass0 |> List.fold (apply r []) settings
    let modelFromPath = settings.ModelPath |> Option.map (fun p -> loadModel r root p)
    let heads =
        match modelFromPath with
        | Some(Some spec) -> [ for h in spec.Heads -> h.Name ]
        | _ -> settings.Model.Heads |> List.map fst
    let settings = rest |> List.fold (apply r heads) settings
    let settings =
        if settings.Run.Pipeline = Some embeddingExtractionProject && settings.Model.Heads.IsEmpty then
            r.Warn(
                root,
                "no head_structure: a placeholder head 'dummy' (1 output) is built, as DeepCORO_CLIP's extract_pci_embeddings.py does; only the study embeddings mean anything"
            )
            {
                settings with
                    Model = {
                        settings.Model with
                            Heads = [ "dummy", 1 ]
                            Written = Map.add Keys.headStructure.Id root settings.Model.Written
                    }
            }
        else
            settings
    if layout = Reference then
        encoderSummary r root entries (settings.Encoder.Path <> "")
    let viewClasses =
        if layout = Reference && isNull settings.Data.ViewColumn then
            if settings.Model.ViewClasses > 0 then
                r.Warn(
                    (Keys.numViewClasses.WrittenIn settings.Model).Value,
                    "num_view_classes without view_column: no view embedding is built, as in DeepCORO_CLIP"
                )
            0
        else
            settings.Model.ViewClasses
    let keys = if settings.Run.AsReferenceBuilt then ModelBuild.asReferenceBuilt settings.Model else settings.Model
    let plan =
        match modelFromPath with
        | Some plan -> plan
        | None when r.Errors.Count = 0 ->
            let name = options.ModelName |> Option.defaultWith (fun () -> ModelBuild.modelNameOf (Path.GetFileNameWithoutExtension file))
            ModelBuild.build r layout name keys viewClasses options.DefaultRank root
        | None -> None
    match plan with
    | Some plan when r.Errors.Count = 0 ->
        let spec = plan.Spec
        targetLabels r spec settings
        let data = labelsMap spec settings
        let optimizer = settings.Train.Optimizer
        // DeepCORO_CLIP's view embedding falls back to the gated attention's rate and decay, not a base rate
        let optimizer =
            if layout = Reference then
                optimizer.With(
                    viewEmbeddingLr =
                        (optimizer.ViewEmbeddingLr
                         |> Option.ofNullable
                         |> Option.orElse (Option.ofNullable optimizer.AttentionLr)
                         |> Option.toNullable),
                    viewEmbeddingWeightDecay =
                        (optimizer.ViewEmbeddingWeightDecay
                         |> Option.ofNullable
                         |> Option.orElse (Option.ofNullable optimizer.AttentionWeightDecay)
                         |> Option.toNullable)
                )
            else
                optimizer
        if r.Errors.Count > 0 then
            raise (ConfigError(List.ofSeq r.Errors))
        {
            Path = path
            Layout = layout
            Settings = {
                settings with
                    Data = data
                    Train =
                        settings.Train.With(
                            optimizer = optimizer,
                            encoder = (if settings.Encoder.Path = "" then null else settings.Encoder)
                        )
            }
            Plan = plan
            Warnings = [ for w in r.Warnings -> string w ]
            Notices = if layout = Reference then referenceNotice settings else []
        }
    | _ -> raise (ConfigError(List.ofSeq r.Errors))

/// A model given by path (`model:` of the nested layout): an IR JSON, or a model config read as such.
and private loadModel (r: ConfigReader) (root: YamlNode) (path: string) : ModelPlan option =
    let node = root
    if not (File.Exists path) then
        r.Error(node, DiagnosticCodes.Malformed, sprintf "model: %s: file not found" path)
        None
    else
        let text = File.ReadAllText path
        try
            if path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && text.Contains "\"irVersion\"" then
                Some(SpecJson.ParsePlan(text, path))
            else
                Some (read path text { defaultOptions with ModelOnly = true }).Plan
        with
        | :? ConfigError as e ->
            r.Errors.AddRange e.Diagnostics
            None
        | :? SpecException as e ->
            r.Error(node, DiagnosticCodes.Malformed, e.Message)
            None
