/// An F# vocabulary for DeepCoro models: small values joined with the pipe, evaluated to the spec IR.
///
///     hierarchy [ clsToken over tokens |> attentionHeads 8; clsToken over videos ]
///     |> heads [ regression "cathEF"; classification "stenosis" 3; binary "contrast" ]
///     |> model "SeedClsToken" 512
///
/// Levels are listed innermost axis first (the order they run in). Opening this module shadows the F#
/// operator `max` with the max pool (use `Operators.max` for the number function).
module DeepCoro.Dsl.Dsl

open DeepCoro.Spec

/// Raised when a DSL option is applied where it has no meaning (e.g. `attentionHeads` on a mean level).
exception DslError of string

// ---------------------------------------------------------------- axes

/// An input axis, named as in the IR (`tokens`, `videos`, or a custom name).
type Axis =
    | Axis of string

    member this.Name = let (Axis n) = this in n

/// The word between a pool and its axis. Its only value is `over`, so `clsToken over tokens` reads as
/// English while every pool stays an ordinary function `Over -> Axis -> Stage`.
type Over = | Over

/// Joins a pool to the axis it reduces: `mean over videos`.
let over = Over

/// The token axis of a video (innermost in the reference's 4D input).
let tokens = Axis "tokens"

/// The video (instance) axis of a study; the mask and view ids run along it.
let videos = Axis "videos"

/// A custom axis, e.g. `axis "frames"`.
let axis (name: string) = Axis name

// ---------------------------------------------------------------- pooling stages

/// One pool over one axis, with its options; empty parameter keys are filled by the reference naming rule.
type PoolDef = { Kind: PoolKind; Axis: string; Options: PoolOptions }

/// A step of the hierarchy.
type Stage =
    /// One pool over one axis.
    | Level of PoolDef
    /// Several stages in sequence; inside `concat` a branch is one concatenated input, elsewhere it is inlined.
    | Branch of Stage list
    /// Parallel branches over the same axes whose outputs are concatenated (widths add up).
    | Concat of Stage list

let private pool kind (_: Over) (Axis a) = Level { Kind = kind; Axis = a; Options = PoolOptions() }

/// Mean over the valid instances of an axis.
let mean: Over -> Axis -> Stage = pool PoolKind.Mean

/// Max over the valid instances of an axis (shadows `Operators.max` where this module is open).
let max: Over -> Axis -> Stage = pool PoolKind.Max

/// Gated attention (Ilse et al. 2018); hidden size 128 unless `hidden n`; parameters `attention_V/U/w`.
let gatedAttention: Over -> Axis -> Stage = pool PoolKind.GatedAttention

/// A learned cls token attending over the axis (8 heads, post-norm unless told otherwise).
let clsToken: Over -> Axis -> Stage = pool PoolKind.ClsToken

/// Stages run one after the other; as an item of `concat` it is one branch.
let branch (stages: Stage list) = Branch stages

/// Parallel branches (each item a level or a `branch [...]`) whose outputs are concatenated.
let concat (branches: Stage list) = Concat branches

let private describe (p: PoolDef) = sprintf "%s over %s" (SpecJson.PoolName p.Kind) p.Axis

let rec private levels stage =
    match stage with
    | Level p -> [ p ]
    | Branch ss
    | Concat ss -> List.collect levels ss

/// Applies an option to every level of the stage it fits; an option that fits none of them is an error.
let private option (name: string) (fits: PoolKind list) (f: PoolOptions -> PoolOptions) (stage: Stage) =
    if not (levels stage |> List.exists (fun p -> List.contains p.Kind fits)) then
        let kinds = fits |> List.map SpecJson.PoolName |> String.concat " or "
        let found = levels stage |> List.map describe |> String.concat ", "
        raise (DslError(sprintf "'%s' applies to %s levels, not to %s" name kinds (if found = "" then "an empty branch" else found)))
    let rec go s =
        match s with
        | Level p when List.contains p.Kind fits -> Level { p with Options = f p.Options }
        | Level _ -> s
        | Branch ss -> Branch(List.map go ss)
        | Concat ss -> Concat(List.map go ss)
    go stage

/// Attention heads of a cls-token level (must divide the width).
let attentionHeads (n: int) = option "attentionHeads" [ PoolKind.ClsToken ] (fun o -> o.With(attentionHeads = n))

/// Layer norm before the attention of a cls-token level.
let preNorm (stage: Stage) = option "preNorm" [ PoolKind.ClsToken ] (fun o -> o.With(norm = NormPlacement.Pre)) stage

/// Layer norm after the attention of a cls-token level (the default).
let postNorm (stage: Stage) = option "postNorm" [ PoolKind.ClsToken ] (fun o -> o.With(norm = NormPlacement.Post)) stage

/// Dropout of a cls-token or gated-attention level.
let dropout (p: float) = option "dropout" [ PoolKind.ClsToken; PoolKind.GatedAttention ] (fun o -> o.With(dropout = p))

/// Hidden size of a gated-attention level (default 128).
let hidden (n: int) = option "hidden" [ PoolKind.GatedAttention ] (fun o -> o.With(hidden = n))

/// Cls-token levels use the shared `cls_attention`/`cls_norm` layer, like the reference's
/// `separate_video_attention: false`. Apply it to each cls level (or to a branch holding them).
let sharedAttention (stage: Stage) =
    option
        "sharedAttention"
        [ PoolKind.ClsToken ]
        (fun o -> o.With(attentionKey = ReferenceNames.SharedAttention, normKey = ReferenceNames.SharedNorm))
        stage

/// Explicit state_dict prefix of the cls token parameter.
let tokenKey (key: string) = option "tokenKey" [ PoolKind.ClsToken ] (fun o -> o.With(tokenKey = key))

/// Explicit state_dict prefix of a cls level's attention layer.
let attentionKey (key: string) = option "attentionKey" [ PoolKind.ClsToken ] (fun o -> o.With(attentionKey = key))

/// Explicit state_dict prefix of a cls level's layer norm.
let normKey (key: string) = option "normKey" [ PoolKind.ClsToken ] (fun o -> o.With(normKey = key))

/// Explicit state_dict prefix of a gated-attention level (`<key>_V`, `<key>_U`, `<key>_w`).
let gateKey (key: string) = option "gateKey" [ PoolKind.GatedAttention ] (fun o -> o.With(gateKey = key))

// ---------------------------------------------------------------- heads

/// A task head: one Linear layer on the pooled vector.
type Head = {
    Name: string
    Task: TaskKind
    Outputs: int
    Loss: LossKind option
    Weight: float
    Dropout: float
    Intervals: float list option
}

let private head name task outputs = {
    Name = name
    Task = task
    Outputs = outputs
    Loss = None
    Weight = 1.0
    Dropout = 0.0
    Intervals = None
}

/// A regression head with one output (mse by default); `|> outputs k` for k outputs.
let regression (name: string) = head name TaskKind.Regression 1

/// A binary head with one logit (bce by default); `|> outputs 2` for the reference's two-column form.
let binary (name: string) = head name TaskKind.Binary 1

/// A multiclass head with n classes (ce by default).
let classification (name: string) (n: int) = head name TaskKind.Multiclass n

/// A survival head on (time, event) labels: a Cox risk score (higher = earlier event) by default; `|> intervals
/// [ 30.; 180. ]` for discrete-time hazards, one output per interval (docs/survival.md).
let survival (name: string) = head name TaskKind.Survival 1

/// Discrete-time intervals of a survival head: their upper bounds, positive and increasing (loss discrete_time).
let intervals (bounds: float list) (h: Head) = {
    h with
        Intervals = Some bounds
        Outputs = bounds.Length
        Loss = Some LossKind.DiscreteTime
}

/// Sets the number of outputs of a head.
let outputs (n: int) (h: Head) = { h with Outputs = n }

/// Sets the training loss of a head (`open type DeepCoro.Spec.LossKind` to write `loss Huber`).
let loss (l: LossKind) (h: Head) = { h with Loss = Some l }

/// Drops pooled features with probability p before the head, in training (DeepCORO_CLIP's head_dropout).
let headDropout (p: float) (h: Head) = { h with Dropout = p }

/// Sets the weight of a head's loss in the total (default 1).
let lossWeight (w: float) (h: Head) = { h with Weight = w }

// ---------------------------------------------------------------- model

/// A model before it is named and sized.
type Draft = { Stages: Stage list; Heads: Head list; Views: int option; Axes: Axis list option }

/// The pooling hierarchy, innermost axis first.
let hierarchy (stages: Stage list) = { Stages = stages; Heads = []; Views = None; Axes = None }

/// Adds heads (in output order).
let heads (hs: Head list) (d: Draft) = { d with Heads = d.Heads @ hs }

/// Adds a view embedding with n view classes (n = 0 removes it).
let withViews (n: int) (d: Draft) = { d with Views = (if n = 0 then None else Some n) }

/// Declares the input axes, outermost first, instead of inferring them from the hierarchy.
let withAxes (axes: Axis list) (d: Draft) = { d with Axes = Some axes }

let rec private reduced stages =
    stages
    |> List.collect (fun s ->
        match s with
        | Level p -> [ p.Axis ]
        | Branch ss -> reduced ss
        | Concat(first :: _) -> reduced [ first ]
        | Concat [] -> [])

/// The axes a hierarchy reduces, outermost first (the reverse of the order the levels run in).
let inferAxes (stages: Stage list) = reduced stages |> List.distinct |> List.rev

let rec private lower (stages: Stage list) : PoolStage list =
    stages
    |> List.collect (fun s ->
        match s with
        | Level p -> [ PoolLevel(p.Kind, p.Axis, ReferenceNames.WithDefaultKeys(p.Kind, p.Axis, p.Options)) :> PoolStage ]
        | Branch ss -> lower ss
        | Concat items -> [ ConcatStage(EquatableList(items |> List.map (fun i -> EquatableList(lower [ i ])))) :> PoolStage ])

/// Where each model was declared: the F# file and line of its `model` call, so that build errors point at the spec's
/// source rather than at the IR written from it. Keyed by reference: equal specs may be declared twice.
let private declarations = System.Runtime.CompilerServices.ConditionalWeakTable<ModelSpec, string * int>()

/// The first stack frame outside this library that has source information (needs the caller's PDB, which SDK
/// builds emit by default).
let private callerSource () =
    let dsl = System.Reflection.Assembly.GetExecutingAssembly()
    System.Diagnostics.StackTrace(true).GetFrames()
    |> Array.tryFind (fun f ->
        let m = f.GetMethod()
        not (isNull m) && m.DeclaringType <> null && m.DeclaringType.Assembly <> dsl && not (System.String.IsNullOrEmpty(f.GetFileName())))
    |> Option.map (fun f -> f.GetFileName(), f.GetFileLineNumber())

/// The F# file and line where `model` built this spec, when the caller had debug information.
let declaration (spec: ModelSpec) =
    match declarations.TryGetValue spec with
    | true, location -> Some location
    | _ -> None

/// The spec IR of a draft: `model name embeddingDim`. It is not validated: see `validate` / `validated`.
let model (name: string) (embeddingDim: int) (d: Draft) : ModelSpec =
    let axes =
        match d.Axes with
        | Some axes -> axes |> List.map (fun a -> a.Name)
        | None -> inferAxes d.Stages
    let toHead (h: Head) =
        let lossKind = h.Loss |> Option.defaultValue (HeadSpec.DefaultLoss h.Task)
        let bounds = h.Intervals |> Option.map EquatableList |> Option.toObj
        HeadSpec(h.Name, h.Task, h.Outputs, lossKind, h.Weight, h.Dropout, bounds)
    ModelSpec(
        ModelSpec.CurrentIrVersion,
        name,
        embeddingDim,
        EquatableList(axes),
        EquatableList(lower d.Stages),
        EquatableList(d.Heads |> List.map toHead),
        (match d.Views with
         | Some n -> ViewEmbeddingSpec(n)
         | None -> null)
    )
    |> fun spec ->
        callerSource () |> Option.iter (fun location -> declarations.AddOrUpdate(spec, location))
        spec

/// Every finding of the spec validator (errors and warnings).
let validate (spec: ModelSpec) : SpecDiagnostic list = (ModelPlan.Of spec).Diagnostics |> List.ofSeq

/// The spec itself, or a SpecException naming `source` and every error.
let validated (source: string) (spec: ModelSpec) =
    (ModelPlan.Of spec).OrThrow source |> ignore
    spec

/// The canonical JSON form of the IR.
let toJson (spec: ModelSpec) = SpecJson.Write spec

/// The body of an F# spec project: writes `<Name>.deepcoro.json` for every spec into `folder`, and reports each
/// validator finding as an MSBuild diagnostic at the F# line that declared the spec (`file(line,1): error DC0003:
/// ...`), so a build that runs the project fails there. Returns the process exit code: 1 when any spec has errors.
let writeSpecs (folder: string) (specs: ModelSpec list) =
    System.IO.Directory.CreateDirectory folder |> ignore
    let mutable failed = false
    for spec in specs do
        System.IO.File.WriteAllText(System.IO.Path.Combine(folder, spec.Name + ".deepcoro.json"), toJson spec)
        let file, line = declaration spec |> Option.defaultValue (spec.Name + ".deepcoro.json", 1)
        for d in validate spec do
            let severity = if d.Severity = Severity.Error then "error" else "warning"
            printfn "%s(%d,1): %s %s: model '%s', %s: %s" file line severity d.Code spec.Name d.Path d.Message
            failed <- failed || d.Severity = Severity.Error
    if failed then 1 else 0

/// Reads a spec from its JSON form (validated; SpecException on errors).
let ofJson (source: string) (json: string) = SpecJson.Parse(json, source)
