/// An F# vocabulary for DeepCoro models: small values joined with the pipe, evaluated to the spec IR.
///
///     open type DeepCoro.Dsl.Dsl
///
///     hierarchy [ clsToken over tokens |> attentionHeads 8; clsToken over videos ]
///     |> heads [ regression "cathEF"; classification "stenosis" 3; binary "contrast" ]
///     |> model "SeedClsToken" 512
///
/// Levels are listed innermost axis first (the order they run in). Every element is
/// a static member of `Dsl` that records where it was written (caller information),
/// so a finding of the validator names the line and column of the element at fault.
/// `open type` shadows the F# operator `max` with the max pool (use `Operators.max` for the number function).
namespace DeepCoro.Dsl

open System.Collections.Generic
open System.Runtime.CompilerServices
open DeepCoro.Spec

/// Raised when a DSL option is applied where it has no meaning (e.g. `attentionHeads` on a mean level).
exception DslError of string

/// Where a DSL element was written: the caller's file, line and column (1-based).
type Position = { File: string; Line: int; Column: int }

/// An input axis, named as in the IR (`tokens`, `videos`, or a custom name).
type Axis =
    | Axis of string

    member this.Name = let (Axis n) = this in n

/// The word between a pool and its axis. Its only value is `over`, so `clsToken over tokens` reads as
/// English while every pool stays an ordinary function of `Over` and `Axis`.
type Over = | Over

/// One pool over one axis, with its options; empty parameter keys are filled by the reference naming rule. `At` holds
/// where the pool (key "") and each option (its IR field name) were written.
type PoolDef = { Kind: PoolKind; Axis: string; Options: PoolOptions; At: Map<string, Position> }

/// A step of the hierarchy.
type Stage =
    /// One pool over one axis.
    | Level of PoolDef
    /// Several stages in sequence; inside `concat` a branch is one concatenated input, elsewhere it is inlined.
    | Branch of Stage list
    /// Parallel branches over the same axes whose outputs are concatenated (widths add up).
    | Concat of Stage list

/// A task head: one Linear layer on the pooled vector. `At` holds where the head (key "") and each setting (its IR
/// field name) were written.
type Head = {
    Name: string
    Task: TaskKind
    Outputs: int
    Loss: LossKind option
    Weight: float
    Dropout: float
    Intervals: float list option
    At: Map<string, Position>
}

/// A model before it is named and sized; `At` holds where `hierarchy`, `heads`, `withViews` and `withAxes` were
/// written (keys `pooling`, `heads`, `viewEmbedding`, `axes`).
type Draft = { Stages: Stage list; Heads: Head list; Views: int option; Axes: Axis list option; At: Map<string, Position> }

/// Finds the column of an element on the line the compiler gave as its caller's.
module private Located =
    let private sources = Dictionary<string, string[] option>()

    let private lineText (file: string) (line: int) =
        let lines =
            lock sources (fun () ->
                match sources.TryGetValue file with
                | true, lines -> lines
                | _ ->
                    let lines =
                        try
                            if System.IO.File.Exists file then Some(System.IO.File.ReadAllLines file) else None
                        with _ ->
                            None
                    sources[file] <- lines
                    lines)
        match lines with
        | Some lines when line >= 1 && line <= lines.Length -> Some lines[line - 1]
        | _ -> None

    let private isIdentifier (c: char) = System.Char.IsLetterOrDigit c || c = '_' || c = '\''

    /// The 1-based column of `name` on the line: of its occurrence followed by `argument` when one is (so that
    /// `attentionHeads 6` is told from an `attentionHeads 8` on the same line), else of its first; 1 when neither.
    let column (text: string) (name: string) (argument: string) =
        let starts = [
            let mutable i = text.IndexOf(name, System.StringComparison.Ordinal)
            while i >= 0 do
                let before = i = 0 || not (isIdentifier text[i - 1])
                let after = i + name.Length >= text.Length || not (isIdentifier text[i + name.Length])
                if before && after then
                    yield i
                i <- text.IndexOf(name, i + name.Length, System.StringComparison.Ordinal)
        ]
        let followedByArgument (i: int) =
            let rest = text.Substring(i + name.Length).TrimStart(' ', '(').TrimStart()
            argument <> ""
            && rest.StartsWith(argument, System.StringComparison.Ordinal)
            && (rest.Length = argument.Length || not (isIdentifier rest[argument.Length]))
        match starts |> List.tryFind followedByArgument, starts with
        | Some i, _
        | None, i :: _ -> i + 1
        | None, [] -> 1

    /// The position of an element from its caller information; None where the caller gave none.
    let at (file: string option) (line: int option) (name: string) (argument: string) =
        match file, line with
        | Some file, Some line when file <> "" && line > 0 ->
            let col =
                match lineText file line with
                | Some text -> column text name argument
                | None -> 1
            Some { File = file; Line = line; Column = col }
        | _ -> None

    let add (key: string) (position: Position option) (at: Map<string, Position>) =
        match position with
        | Some p -> Map.add key p at
        | None -> at

    let describe (p: PoolDef) = sprintf "%s over %s" (SpecJson.PoolName p.Kind) p.Axis

    let rec levels stage =
        match stage with
        | Level p -> [ p ]
        | Branch ss
        | Concat ss -> List.collect levels ss

    /// Applies an option to every level of the stage it fits, recording where it was written under its IR field;
    /// an option that fits none of them is an error.
    let option (name: string) (field: string) (position: Position option) (fits: PoolKind list) (f: PoolOptions -> PoolOptions) stage =
        if not (levels stage |> List.exists (fun p -> List.contains p.Kind fits)) then
            let kinds = fits |> List.map SpecJson.PoolName |> String.concat " or "
            let found = levels stage |> List.map describe |> String.concat ", "
            let where =
                match position with
                | Some p -> sprintf "%s(%d,%d): " p.File p.Line p.Column
                | None -> ""
            raise (
                DslError(
                    sprintf "%s'%s' applies to %s levels, not to %s" where name kinds (if found = "" then "an empty branch" else found)
                )
            )
        let rec go s =
            match s with
            | Level p when List.contains p.Kind fits -> Level { p with Options = f p.Options; At = add field position p.At }
            | Level _ -> s
            | Branch ss -> Branch(List.map go ss)
            | Concat ss -> Concat(List.map go ss)
        go stage

    let pool kind name (file: string option) (line: int option) : Axis -> Stage =
        let position = at file line name "over"
        fun (Axis a) -> Level { Kind = kind; Axis = a; Options = PoolOptions(); At = add "" position Map.empty }

    let head name task outputs position = {
        Name = name
        Task = task
        Outputs = outputs
        Loss = None
        Weight = 1.0
        Dropout = 0.0
        Intervals = None
        At = add "" position Map.empty
    }

    let rec reduced stages =
        stages
        |> List.collect (fun s ->
            match s with
            | Level p -> [ p.Axis ]
            | Branch ss -> reduced ss
            | Concat(first :: _) -> reduced [ first ]
            | Concat [] -> [])

    /// The IR of the stages, and where each of their elements was written, keyed by the validator's paths
    /// (`pooling[0]`, `pooling[0].attentionHeads`, `pooling[1].concat[0][1].dropout`).
    let rec lower (path: string) (stages: Stage list) : PoolStage list * (string * Position) list =
        let rec flat stages =
            stages
            |> List.collect (fun s ->
                match s with
                | Branch ss -> flat ss
                | s -> [ s ])
        flat stages
        |> List.mapi (fun i s ->
            let p = sprintf "%s[%d]" path i
            match s with
            | Level d ->
                let stage = PoolLevel(d.Kind, d.Axis, ReferenceNames.WithDefaultKeys(d.Kind, d.Axis, d.Options)) :> PoolStage
                stage, [ for KeyValue(field, at) in d.At -> (if field = "" then p else p + "." + field), at ]
            | Concat items ->
                let branches = items |> List.mapi (fun b item -> lower (sprintf "%s.concat[%d]" p b) [ item ])
                let stage = ConcatStage(EquatableList(branches |> List.map (fst >> EquatableList))) :> PoolStage
                stage, List.collect snd branches
            | Branch _ -> failwith "branches are inlined")
        |> fun lowered -> List.map fst lowered, List.collect snd lowered

    /// Where each model was built, keyed by reference (equal specs may be declared twice): the validator's path of
    /// each element (with "" for the `model` call) to its position.
    let positions = ConditionalWeakTable<ModelSpec, IReadOnlyDictionary<string, Position>>()

/// The DSL's elements; `open type DeepCoro.Dsl.Dsl` to write them unqualified.
[<AbstractClass; Sealed>]
type Dsl =
    // ------------------------------------------------------------ axes

    /// Joins a pool to the axis it reduces: `mean over videos`.
    static member over = Over

    /// The token axis of a video (innermost in the reference's 4D input).
    static member tokens = Axis "tokens"

    /// The video (instance) axis of a study; the mask and view ids run along it.
    static member videos = Axis "videos"

    /// A custom axis, e.g. `axis "frames"`.
    static member axis(name: string) = Axis name

    // ------------------------------------------------------------ pooling stages

    /// Mean over the valid instances of an axis.
    static member mean(_: Over, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        Located.pool PoolKind.Mean "mean" file line

    /// Max over the valid instances of an axis (shadows `Operators.max` where `Dsl` is opened).
    static member max(_: Over, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        Located.pool PoolKind.Max "max" file line

    /// Gated attention (Ilse et al. 2018); hidden size 128 unless `hidden n`; parameters `attention_V/U/w`.
    static member gatedAttention(_: Over, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        Located.pool PoolKind.GatedAttention "gatedAttention" file line

    /// A learned cls token attending over the axis (8 heads, post-norm unless told otherwise).
    static member clsToken(_: Over, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        Located.pool PoolKind.ClsToken "clsToken" file line

    /// Stages run one after the other; as an item of `concat` it is one branch.
    static member branch(stages: Stage list) = Branch stages

    /// Parallel branches (each item a level or a `branch [...]`) whose outputs are concatenated.
    static member concat(branches: Stage list) = Concat branches

    /// Attention heads of a cls-token level (must divide the width).
    static member attentionHeads(n: int, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Stage -> Stage =
        let at = Located.at file line "attentionHeads" (string n)
        Located.option "attentionHeads" "attentionHeads" at [ PoolKind.ClsToken ] (fun o -> o.With(attentionHeads = n))

    /// Layer norm before the attention of a cls-token level.
    static member preNorm(stage: Stage, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        let at = Located.at file line "preNorm" ""
        Located.option "preNorm" "norm" at [ PoolKind.ClsToken ] (fun o -> o.With(norm = NormPlacement.Pre)) stage

    /// Layer norm after the attention of a cls-token level (the default).
    static member postNorm(stage: Stage, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        let at = Located.at file line "postNorm" ""
        Located.option "postNorm" "norm" at [ PoolKind.ClsToken ] (fun o -> o.With(norm = NormPlacement.Post)) stage

    /// Dropout of a cls-token or gated-attention level.
    static member dropout(p: float, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Stage -> Stage =
        let at = Located.at file line "dropout" (string p)
        Located.option "dropout" "dropout" at [ PoolKind.ClsToken; PoolKind.GatedAttention ] (fun o -> o.With(dropout = p))

    /// Hidden size of a gated-attention level (default 128).
    static member hidden(n: int, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Stage -> Stage =
        let at = Located.at file line "hidden" (string n)
        Located.option "hidden" "hidden" at [ PoolKind.GatedAttention ] (fun o -> o.With(hidden = n))

    /// Cls-token levels use the shared `cls_attention`/`cls_norm` layer, like the reference's
    /// `separate_video_attention: false`. Apply it to each cls level (or to a branch holding them).
    static member sharedAttention(stage: Stage, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        let at = Located.at file line "sharedAttention" ""
        Located.option
            "sharedAttention"
            "params"
            at
            [ PoolKind.ClsToken ]
            (fun o -> o.With(attentionKey = ReferenceNames.SharedAttention, normKey = ReferenceNames.SharedNorm))
            stage

    /// Explicit state_dict prefix of the cls token parameter.
    static member tokenKey(key: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Stage -> Stage =
        let at = Located.at file line "tokenKey" ""
        Located.option "tokenKey" "params.token" at [ PoolKind.ClsToken ] (fun o -> o.With(tokenKey = key))

    /// Explicit state_dict prefix of a cls level's attention layer.
    static member attentionKey(key: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Stage -> Stage =
        let at = Located.at file line "attentionKey" ""
        Located.option "attentionKey" "params.attention" at [ PoolKind.ClsToken ] (fun o -> o.With(attentionKey = key))

    /// Explicit state_dict prefix of a cls level's layer norm.
    static member normKey(key: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Stage -> Stage =
        let at = Located.at file line "normKey" ""
        Located.option "normKey" "params.norm" at [ PoolKind.ClsToken ] (fun o -> o.With(normKey = key))

    /// Explicit state_dict prefix of a gated-attention level (`<key>_V`, `<key>_U`, `<key>_w`).
    static member gateKey(key: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Stage -> Stage =
        let at = Located.at file line "gateKey" ""
        Located.option "gateKey" "params.gate" at [ PoolKind.GatedAttention ] (fun o -> o.With(gateKey = key))

    // ------------------------------------------------------------ heads

    /// A regression head with one output (mse by default); `|> outputs k` for k outputs.
    static member regression(name: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        Located.head name TaskKind.Regression 1 (Located.at file line "regression" ("\"" + name + "\""))

    /// A binary head with one logit (bce by default); `|> outputs 2` for the reference's two-column form.
    static member binary(name: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        Located.head name TaskKind.Binary 1 (Located.at file line "binary" ("\"" + name + "\""))

    /// A multiclass head with n classes (ce by default).
    static member classification(name: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : int -> Head =
        let at = Located.at file line "classification" ("\"" + name + "\"")
        fun n -> Located.head name TaskKind.Multiclass n at

    /// A survival head on (time, event) labels: a Cox risk score (higher = earlier event) by default; `|> intervals
    /// [ 30.; 180. ]` for discrete-time hazards, one output per interval (docs/survival.md).
    static member survival(name: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        Located.head name TaskKind.Survival 1 (Located.at file line "survival" ("\"" + name + "\""))

    /// Discrete-time intervals of a survival head: their upper bounds, positive and increasing (loss discrete_time).
    static member intervals(bounds: float list, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Head -> Head =
        let at = Located.at file line "intervals" "["
        fun h -> {
            h with
                Intervals = Some bounds
                Outputs = bounds.Length
                Loss = Some LossKind.DiscreteTime
                At = Located.add "intervals" at h.At
        }

    /// Sets the number of outputs of a head.
    static member outputs(n: int, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Head -> Head =
        let at = Located.at file line "outputs" (string n)
        fun h -> { h with Outputs = n; At = Located.add "outputs" at h.At }

    /// Sets the training loss of a head (`open type DeepCoro.Spec.LossKind` to write `loss Huber`).
    static member loss(l: LossKind, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Head -> Head =
        let at = Located.at file line "loss" (string l)
        fun h -> { h with Loss = Some l; At = Located.add "loss" at h.At }

    /// Drops pooled features with probability p before the head, in training (DeepCORO_CLIP's head_dropout).
    static member headDropout(p: float, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Head -> Head =
        let at = Located.at file line "headDropout" (string p)
        fun h -> { h with Dropout = p; At = Located.add "dropout" at h.At }

    /// Sets the weight of a head's loss in the total (default 1).
    static member lossWeight(w: float, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Head -> Head =
        let at = Located.at file line "lossWeight" (string w)
        fun h -> { h with Weight = w; At = Located.add "weight" at h.At }

    // ------------------------------------------------------------ model

    /// The pooling hierarchy, innermost axis first.
    static member hierarchy(stages: Stage list, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) =
        let at = Located.at file line "hierarchy" ""
        { Stages = stages; Heads = []; Views = None; Axes = None; At = Located.add "pooling" at Map.empty }

    /// Adds heads (in output order).
    static member heads(hs: Head list, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Draft -> Draft =
        let at = Located.at file line "heads" ""
        fun d -> { d with Heads = d.Heads @ hs; At = (if d.At.ContainsKey "heads" then d.At else Located.add "heads" at d.At) }

    /// Adds a view embedding with n view classes (n = 0 removes it).
    static member withViews(n: int, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Draft -> Draft =
        let at = Located.at file line "withViews" (string n)
        fun d -> { d with Views = (if n = 0 then None else Some n); At = Located.add "viewEmbedding" at d.At }

    /// Declares the input axes, outermost first, instead of inferring them from the hierarchy.
    static member withAxes(axes: Axis list, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : Draft -> Draft =
        let at = Located.at file line "withAxes" ""
        fun d -> { d with Axes = Some axes; At = Located.add "axes" at d.At }

    /// The axes a hierarchy reduces, outermost first (the reverse of the order the levels run in).
    static member inferAxes(stages: Stage list) = Located.reduced stages |> List.distinct |> List.rev

    /// The spec IR of a draft: `model name embeddingDim`. It is not validated: see `validate` / `validated`.
    static member model(name: string, [<CallerFilePath>] ?file: string, [<CallerLineNumber>] ?line: int) : int -> Draft -> ModelSpec =
        let at = Located.at file line "model" ("\"" + name + "\"")
        fun embeddingDim d ->
            let axes =
                match d.Axes with
                | Some axes -> axes |> List.map (fun a -> a.Name)
                | None -> Dsl.inferAxes d.Stages
            let toHead (h: Head) =
                let lossKind = h.Loss |> Option.defaultValue (HeadSpec.DefaultLoss h.Task)
                let bounds = h.Intervals |> Option.map EquatableList |> Option.toObj
                HeadSpec(h.Name, h.Task, h.Outputs, lossKind, h.Weight, h.Dropout, bounds)
            let pooling, stageAt = Located.lower "pooling" d.Stages
            let spec =
                ModelSpec(
                    ModelSpec.CurrentIrVersion,
                    name,
                    embeddingDim,
                    EquatableList(axes),
                    EquatableList(pooling),
                    EquatableList(d.Heads |> List.map toHead),
                    (match d.Views with
                     | Some n -> ViewEmbeddingSpec(n)
                     | None -> null)
                )
            let headAt =
                d.Heads
                |> List.indexed
                |> List.collect (fun (i, h) -> [
                    for KeyValue(field, at) in h.At -> (if field = "" then sprintf "heads[%d]" i else sprintf "heads[%d].%s" i field), at
                ])
            let where = Dictionary<string, Position>()
            for key, position in [ for KeyValue(k, v) in d.At -> k, v ] @ stageAt @ headAt do
                where[key] <- position
            at |> Option.iter (fun p -> where[""] <- p)
            Located.positions.AddOrUpdate(spec, where)
            spec

    /// Where the element that a validator path names was written (`pooling[0].attentionHeads`: the `attentionHeads`
    /// call; a path with no element of its own: the closest enclosing one, up to the `model` call), when the spec was
    /// built by this DSL from code with caller information.
    static member positionOf (spec: ModelSpec) (path: string) : Position option =
        match Located.positions.TryGetValue spec with
        | true, where ->
            let rec find (p: string) =
                match where.TryGetValue p with
                | true, position -> Some position
                | _ when p = "" -> None
                | _ ->
                    let cut = Operators.max (p.LastIndexOf '.') (p.LastIndexOf '[')
                    find (if cut <= 0 then "" else p.Substring(0, cut))
            find path
        | _ -> None

    /// Every finding of the spec validator (errors and warnings).
    static member validate(spec: ModelSpec) : SpecDiagnostic list = (ModelPlan.Of spec).Diagnostics |> List.ofSeq

    /// The spec itself, or a SpecException naming `source` and every error.
    static member validated (source: string) (spec: ModelSpec) =
        (ModelPlan.Of spec).OrThrow source |> ignore
        spec

    /// The canonical JSON form of the IR.
    static member toJson(spec: ModelSpec) = SpecJson.Write spec

    /// The body of an F# spec project: writes `<Name>.deepcoro.json` for every spec into `folder`, and reports each
    /// validator finding once as an MSBuild diagnostic at the F# line and column of the element at fault
    /// (`Specs.fs(9,40): error DC0003: ...`), so a build that runs the project fails there. Returns the process exit
    /// code: 1 when any spec has errors.
    static member writeSpecs (folder: string) (specs: ModelSpec list) =
        System.IO.Directory.CreateDirectory folder |> ignore
        let mutable failed = false
        for spec in specs do
            System.IO.File.WriteAllText(System.IO.Path.Combine(folder, spec.Name + ".deepcoro.json"), Dsl.toJson spec)
            for d in Dsl.validate spec do
                let file, line, column =
                    match Dsl.positionOf spec d.Path with
                    | Some p -> p.File, p.Line, p.Column
                    | None -> spec.Name + ".deepcoro.json", 1, 1
                let severity = if d.Severity = Severity.Error then "error" else "warning"
                printfn "%s(%d,%d): %s %s: model '%s', %s: %s" file line column severity d.Code spec.Name d.Path d.Message
                failed <- failed || d.Severity = Severity.Error
        if failed then 1 else 0

    /// Reads a spec from its JSON form (validated; SpecException on errors).
    static member ofJson (source: string) (json: string) = SpecJson.Parse(json, source)
