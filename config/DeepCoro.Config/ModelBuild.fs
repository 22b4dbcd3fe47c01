/// From DeepCORO_CLIP's model keys to the spec IR: the hierarchy each pooling_mode stands for, the head task rule,
/// the reference's unused tensors, and what DeepCORO_CLIP itself would build from the same keys.
module DeepCoro.Config.ModelBuild

open System
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Dsl
open type DeepCoro.Dsl.Dsl
open DeepCoro.Config.ConfigReader
open DeepCoro.Config.Settings
open DeepCoro.Config.ConfigKeys

/// The hierarchy that reproduces the reference's `pooling_mode` on input axes `[outer]` (3D input) or
/// `[outer; inner]` (4D input, e.g. [videos; tokens]); `separate` gives each cls level its own attention and norm.
let stagesFor (mode: PoolingMode) (axes: Axis list) (o: PoolOptions) (separate: bool) : Stage list =
    let cls a =
        clsToken over a
        |> attentionHeads o.AttentionHeads
        |> (if o.Norm = NormPlacement.Pre then preNorm else postNorm)
        |> dropout o.Dropout
        |> (if separate then id else sharedAttention)
    let gated a = gatedAttention over a |> hidden o.Hidden |> dropout o.Dropout
    match axes, mode with
    | [ v ], PoolingMode.Mean -> [ mean over v ]
    | [ v ], PoolingMode.Max -> [ max over v ]
    | [ v ], PoolingMode.Attention -> [ gated v ]
    | [ v ], PoolingMode.ClsToken -> [ cls v ]
    | [ v ], PoolingMode.MeanAndClsToken -> [ concat [ mean over v; cls v ] ]
    | [ v ], PoolingMode.AttentionAndClsToken -> [ concat [ gated v; cls v ] ]
    | [ v; t ], PoolingMode.Mean -> [ mean over t; mean over v ]
    | [ v; t ], PoolingMode.Max -> [ mean over t; max over v ]
    | [ v; t ], PoolingMode.Attention -> [ gated t; gated v ]
    | [ v; t ], PoolingMode.ClsToken -> [ cls t; cls v ]
    | [ v; t ], PoolingMode.MeanAndClsToken -> [ mean over t; concat [ mean over v; cls v ] ]
    | [ v; t ], PoolingMode.AttentionAndClsToken -> [ concat [ branch [ gated t; gated v ]; branch [ cls t; cls v ] ] ]
    | _ -> invalidArg "mode" (sprintf "no mapping for pooling_mode '%s' over %d axes" mode.Spelling axes.Length)

/// The reference builds its "within" cls layer whenever cls layers are separate, but only a 4D cls level over tokens
/// uses it (not 3D input, not mean+cls_token). Those tensors stay in its state_dicts, so the imported spec keeps them
/// as unused parameters: its weights then load strictly and exports load back.
let unusedReferenceParameters (mode: PoolingMode) (axes: Axis list) (separate: bool) (dim: int) =
    let withinUsed = axes.Length = 2 && (mode = PoolingMode.ClsToken || mode = PoolingMode.AttentionAndClsToken)
    if not mode.HasClsToken || not separate || withinUsed then
        []
    else
        [
            yield! PlannedModule.ParametersOf(ReferenceNames.Attention "tokens", ModuleKind.Attention, dim, dim)
            yield! PlannedModule.ParametersOf(ReferenceNames.Norm "tokens", ModuleKind.Norm, dim, dim)
        ]
        |> List.map (fun p -> UnusedParameter(p.Key, p.Shape))

let private taskOfLoss l =
    match l with
    | LossKind.Mse
    | LossKind.Mae
    | LossKind.Rmse
    | LossKind.Huber -> TaskKind.Regression
    | LossKind.Bce -> TaskKind.Binary
    | LossKind.Cox
    | LossKind.DiscreteTime -> TaskKind.Survival
    | _ -> TaskKind.Multiclass

/// The head task rule (the reference has no task per head in its model): `head_task` if given; else the kind its
/// loss implies (mse/mae/rmse/huber: regression, bce: binary, ce/focal: multiclass, cox/discrete_time: survival); else
/// by output count: 1 regression, 2 binary, 3 or more multiclass.
let headTask (explicitTask: TaskKind option) (loss: LossKind option) (outputs: int) =
    match explicitTask, loss with
    | Some t, _ -> t
    | None, Some l when not (l = LossKind.Focal && outputs = 1) -> taskOfLoss l
    | None, Some _ -> TaskKind.Binary
    | None, None ->
        if outputs <= 1 then TaskKind.Regression
        elif outputs = 2 then TaskKind.Binary
        else TaskKind.Multiclass

/// A model name (letters, digits, '_') from a file or case name: "cls4d_post-separate.yaml" -> "Cls4dPostSeparate".
let modelNameOf (source: string) =
    let words = Text.RegularExpressions.Regex.Split(source, "[^A-Za-z0-9]+") |> Array.filter (fun w -> w <> "")
    let name = words |> Array.map (fun w -> string (Char.ToUpperInvariant w.[0]) + w.Substring 1) |> String.concat ""
    if name = "" then "Model"
    elif Char.IsLetter name.[0] then name
    else "Model" + name

/// The width of DeepCORO_CLIP's encoder output (MViT-v2-S projected to 512), the embedding dim its files leave out.
let referenceEmbeddingDim = 512

/// What DeepCORO_CLIP builds from its keys whatever the file says (projects/linear_probing_project.py passes only
/// embedding_dim, head_structure, pooling_mode, attention_hidden, dropout_attention and num_view_classes).
let asReferenceBuilt (keys: ModelKeys) = { keys with AttentionHeads = 8; Separate = true; PreNorm = false; HeadDropout = Map.empty }

/// The keys DeepCORO_CLIP would have ignored in `keys`, each with what it says and what the reference uses instead.
let referenceIgnored (keys: ModelKeys) =
    let written (k: Setting) = (k.WrittenIn keys).IsSome
    [
        if written Keys.numAttentionHeads && keys.AttentionHeads <> 8 then
            yield sprintf "num_attention_heads %d (it builds 8)" keys.AttentionHeads
        if written Keys.separateVideoAttention && not keys.Separate then
            yield "separate_video_attention false (it builds separate layers)"
        if written Keys.normalizationStrategy && keys.PreNorm then
            yield "normalization_strategy pre_norm (it builds post_norm)"
        if keys.HeadDropout |> Map.exists (fun _ p -> p > 0.0) then
            yield "head_dropout (it applies none)"
    ]

/// Where a plan finding stands in the config, by its typed field: the value at fault, or the head's name.
let private locate (keys: ModelKeys) (headNodes: YamlNode list) (fallback: YamlNode) (d: SpecDiagnostic) =
    let first (settings: Setting list) = settings |> List.tryPick (fun k -> k.WrittenIn keys)
    let found =
        match d.Field with
        | SpecField.Intervals -> first [ Keys.intervals; Keys.lossStructure ]
        | SpecField.Heads
        | SpecField.HeadName
        | SpecField.Outputs
        | SpecField.Loss
        | SpecField.Weight
        | SpecField.HeadDropout -> List.tryItem d.Index headNodes
        | SpecField.AttentionHeads -> first [ Keys.numAttentionHeads; Keys.embeddingDim; Keys.poolingMode ]
        | SpecField.Hidden -> first [ Keys.attentionHidden; Keys.poolingMode ]
        | SpecField.Dropout -> first [ Keys.dropout; Keys.poolingMode ]
        | SpecField.ViewEmbedding -> first [ Keys.numViewClasses ]
        | SpecField.EmbeddingDim -> first [ Keys.embeddingDim ]
        | SpecField.Axes -> first [ Keys.axes; Keys.inputRank ]
        | SpecField.Pooling
        | SpecField.Concat
        | SpecField.Over
        | SpecField.Params -> first [ Keys.poolingMode; Keys.embeddingDim ]
        | _ -> None
    defaultArg found fallback

/// The input axes the keys give: axes, else input_rank, else (DeepCORO_CLIP's files) what its encoder returns.
let private axesOf (r: ConfigReader) (layout: Layout) (keys: ModelKeys) (defaultRank: int option) (root: YamlNode) =
    let rankAxes n = if n = 3 then [ "videos" ] else [ "videos"; "tokens" ]
    let node (k: Setting) = k.WrittenIn keys |> Option.defaultValue root
    match keys.Axes, keys.Rank with
    | Some a, Some n when n <> a.Length + 2 ->
        r.Error(
            node Keys.inputRank,
            DiagnosticCodes.InvalidValue,
            sprintf "input_rank %d disagrees with axes, which give rank %d" n (a.Length + 2)
        )
        None
    | Some a, _ ->
        match defaultRank with
        | Some d when d <> a.Length + 2 ->
            r.Error(node Keys.axes, DiagnosticCodes.InvalidValue, sprintf "axes give rank %d but the input's rank is %d" (a.Length + 2) d)
            None
        | _ -> Some a
    | None, Some n ->
        match defaultRank with
        | Some d when d <> n ->
            r.Error(node Keys.inputRank, DiagnosticCodes.InvalidValue, sprintf "input_rank %d disagrees with the input's rank %d" n d)
            None
        | _ -> Some(rankAxes n)
    | None, None when layout = Reference -> Some(rankAxes (if keys.EncoderAggregates || keys.PerVideoPool then 3 else 4))
    | None, None -> Some(rankAxes (defaultArg defaultRank 4))

/// The model the keys describe, resolved once (its plan) and validated: every finding of the validator is reported
/// at the key it comes from (its code leads the message), DC0003 in a DeepCORO_CLIP file with a hint at
/// --as-reference-built. `viewClasses` is the view embedding's size (DeepCORO_CLIP builds one only with a view
/// column).
let build
    (r: ConfigReader)
    (layout: Layout)
    (name: string)
    (keys: ModelKeys)
    (viewClasses: int)
    (defaultRank: int option)
    (root: YamlNode)
    : ModelPlan option =
    let before = r.Errors.Count
    match keys.UseClsToken, Keys.useClsToken.WrittenIn keys with
    | Some useCls, Some node when useCls <> keys.PoolingMode.HasClsToken ->
        r.Warn(
            node,
            sprintf
                "use_cls_token: %b is ignored: pooling_mode '%s' %s a cls token and decides, as in the reference (which never passes use_cls_token to the model)"
                useCls
                keys.PoolingMode.Spelling
                (if useCls then "has no" else "has")
        )
    | _ -> ()
    let dim =
        match keys.EmbeddingDim with
        | Some d -> Some d
        | None when layout = Reference -> Some referenceEmbeddingDim
        | None ->
            r.Error(
                root,
                DiagnosticCodes.Malformed,
                sprintf
                    "missing required key '%s' in %s"
                    Keys.embeddingDim.Name
                    (if layout = Nested then "model_config" else "the model config")
            )
            None
    if keys.Heads.IsEmpty && (Keys.headStructure.WrittenIn keys).IsNone then
        r.Error(
            root,
            DiagnosticCodes.Malformed,
            sprintf
                "missing required key '%s' in %s"
                Keys.headStructure.Name
                (if layout = Nested then "model_config" else "the model config")
        )
    let axes = axesOf r layout keys defaultRank root
    match dim, axes with
    | Some dim, Some axes when r.Errors.Count = before ->
        let axes = axes |> List.map axis
        let pooling =
            PoolOptions(
                keys.AttentionHeads,
                (if keys.PreNorm then NormPlacement.Pre else NormPlacement.Post),
                keys.Dropout,
                keys.AttentionHidden
            )
        let heads =
            keys.Heads
            |> List.map (fun (head, outputs) ->
                let loss = Map.tryFind head keys.Losses
                {
                    Name = head
                    Task = headTask (Map.tryFind head keys.Tasks) loss outputs
                    Outputs = outputs
                    Loss = loss
                    Weight = Map.tryFind head keys.Weights |> Option.defaultValue 1.0
                    Dropout = Map.tryFind head keys.HeadDropout |> Option.defaultValue 0.0
                    At = Map.empty
                    Intervals = Map.tryFind head keys.Intervals
                })
        let spec =
            (hierarchy (stagesFor keys.PoolingMode axes pooling keys.Separate)
             |> Dsl.heads heads
             |> withViews viewClasses
             |> withAxes axes
             |> model name dim)
                .WithUnusedParameters(EquatableList.ToEquatableList(unusedReferenceParameters keys.PoolingMode axes keys.Separate dim))
        let headNodes =
            match Keys.headStructure.WrittenIn keys with
            | Some node -> r.Entries(Keys.headStructure.Name, node) |> List.map (fun e -> e.KeyNode)
            | None -> []
        let reported = Collections.Generic.HashSet<string * int * int * string>()
        let plan = ModelPlan.Of spec
        for d in plan.Diagnostics do
            let node = locate keys headNodes root d
            let hint =
                if d.Code = DiagnosticCodes.HeadsDoNotDivide && layout = Reference then
                    "; or --as-reference-built to build what DeepCORO_CLIP builds from this file (8 heads)"
                else
                    ""
            if reported.Add((d.Code, int node.Start.Line, int node.Start.Column, d.Message)) then
                let message = sprintf "%s: %s%s" d.Code d.Message hint
                if d.Severity = Severity.Error then r.Error(node, d.Code, message) else r.Warn(node, message)
        if r.Errors.Count > before then None else Some plan
    | _ -> None
