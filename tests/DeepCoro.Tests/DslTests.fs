module DeepCoro.Tests.DslTests

open Expecto
open FsCheck
open FsCheck.FSharp
open DeepCoro.Spec
open DeepCoro.Dsl
open type DeepCoro.Dsl.Dsl
open type DeepCoro.Spec.LossKind

let private seedJson =
    """{
  "irVersion": 1, "name": "SeedClsToken", "embeddingDim": 512, "axes": ["videos", "tokens"],
  "pooling": [
    { "pool": "clsToken", "over": "tokens", "attentionHeads": 8, "norm": "post", "dropout": 0,
      "params": { "token": "cls_token", "attention": "cls_attention_within", "norm": "cls_norm_within" } },
    { "pool": "clsToken", "over": "videos" }
  ],
  "heads": [
    { "name": "cathEF", "task": "regression", "outputs": 1, "loss": "mse" },
    { "name": "stenosis", "task": "multiclass", "outputs": 3 },
    { "name": "contrast", "task": "binary", "outputs": 1, "loss": "bce", "weight": 1 }
  ]
}"""

let private keysOf (spec: ModelSpec) = (ModelPlan.Of spec).Parameters |> Seq.map (fun p -> p.Key) |> Set.ofSeq

let private errors spec = validate spec |> List.filter (fun d -> d.Severity = Severity.Error)

// ------------------------------------------------------------------ random valid models

type private Case = { Draft: Draft; Name: string; Dim: int }

let private genOptions (heads: int) (hid: int) (stage: Stage) =
    match stage with
    | Level { Kind = PoolKind.ClsToken } ->
        gen {
            let! pre = Gen.elements [ true; false ]
            let! explicitPost = Gen.elements [ true; false ]
            let! d = Gen.elements [ 0.0; 0.1; 0.25; 1.0 / 3.0 ]
            let! shared = Gen.elements [ true; false; false ]
            let s = stage |> attentionHeads heads |> dropout d
            let s =
                if pre then preNorm s
                elif explicitPost then postNorm s
                else s
            return if shared then sharedAttention s else s
        }
    | Level { Kind = PoolKind.GatedAttention } ->
        gen {
            let! d = Gen.elements [ 0.0; 0.2; 0.45 ]
            return stage |> hidden hid |> dropout d
        }
    | _ -> Gen.constant stage

let private genLevel heads hid (a: Axis) =
    gen {
        let! p = Gen.elements [ mean; max; gatedAttention; clsToken ]
        return! genOptions heads hid (p over a)
    }

let private genHead (name: string) =
    gen {
        let! kind = Gen.choose (0, 2)
        let! h =
            match kind with
            | 0 ->
                Gen.map2
                    (fun k l ->
                        regression name
                        |> outputs k
                        |> (match l with
                            | Some l -> loss l
                            | None -> id))
                    (Gen.choose (1, 3))
                    (Gen.elements [ None; Some Mse; Some Mae; Some Rmse; Some Huber ])
            | 1 ->
                Gen.map2
                    (fun k l ->
                        binary name
                        |> outputs k
                        |> (match l with
                            | Some l -> loss l
                            | None -> id))
                    (Gen.choose (1, 2))
                    (Gen.elements [ None; Some Bce; Some Focal ])
            | _ ->
                Gen.map2
                    (fun k l ->
                        classification name k
                        |> (match l with
                            | Some l -> loss l
                            | None -> id))
                    (Gen.choose (2, 6))
                    (Gen.elements [ None; Some Ce; Some Focal ])
        let! w = Gen.elements [ None; Some 0.5; Some 2.0; Some 0.1 ]
        return
            match w with
            | Some w -> lossWeight w h
            | None -> h
    }

/// Valid models: 1-3 axes, a random pool per axis (innermost first), the last stage possibly a concat of two
/// branches covering the remaining axes; one heads count and hidden size per model so shared keys agree.
let private genCase =
    gen {
        let! axes = Gen.elements [ [ videos ]; [ videos; tokens ]; [ axis "studies"; videos; tokens ]; [ videos; axis "frames" ] ]
        let! dim = Gen.elements [ 32; 64; 96; 512 ]
        let! nHeads = Gen.elements [ 1; 2; 4; 8 ] |> Gen.filter (fun h -> dim % h = 0)
        let! hid = Gen.elements [ 16; 64; 128 ]
        let inner = List.rev axes
        let! split = Gen.choose (0, inner.Length) // index where a concat starts (= inner.Length: none)
        let! plain = inner |> List.take split |> List.map (genLevel nHeads hid) |> Gen.sequenceToList
        let rest = inner |> List.skip split
        let! tail =
            if rest.IsEmpty then
                Gen.constant []
            else
                gen {
                    let! b1 = rest |> List.map (genLevel nHeads hid) |> Gen.sequenceToList
                    let! b2 = rest |> List.map (genLevel nHeads hid) |> Gen.sequenceToList
                    let item b =
                        match b with
                        | [ one ] -> one
                        | many -> branch many
                    return [ concat [ item b1; item b2 ] ]
                }
        let! headNames = Gen.subListOf [ "cathEF"; "stenosis"; "contrast"; "lvef_2"; "view-a" ] |> Gen.filter (fun l -> not l.IsEmpty)
        let! hs = headNames |> List.map genHead |> Gen.sequenceToList
        let! views = Gen.elements [ 0; 0; 1; 5 ]
        let! explicitAxes = Gen.elements [ true; false ]
        let! n = Gen.choose (0, 999)
        let draft = hierarchy (plain @ tail) |> heads hs |> withViews views
        return { Draft = (if explicitAxes then withAxes axes draft else draft); Name = sprintf "M%d" n; Dim = dim }
    }

[<Tests>]
let tests =
    testList "dsl" [
        test "the seed DSL gives exactly the seed IR" {
            let seed =
                hierarchy [ clsToken over tokens |> attentionHeads 8; clsToken over videos ]
                |> heads [ regression "cathEF"; classification "stenosis" 3; binary "contrast" ]
                |> model "SeedClsToken" 512
            Expect.equal seed (SpecJson.Parse(seedJson, "seed.json")) "seed IR"
            Expect.equal seed.IrVersion ModelSpec.CurrentIrVersion "IR version"
            Expect.isEmpty (errors seed) "valid"
        }
        test "axes are inferred outermost first from the levels" {
            let s = hierarchy [ mean over (axis "frames"); clsToken over videos ] |> heads [ binary "x" ] |> model "M" 64
            Expect.equal (List.ofSeq s.Axes) [ "videos"; "frames" ] "inferred"
            Expect.isEmpty (errors s) "valid"
            Expect.contains (keysOf s) "cls_attention_across.in_proj_weight" "across key for videos"
            let c =
                hierarchy [ mean over tokens; concat [ mean over videos; clsToken over videos ] ] |> heads [ binary "x" ] |> model "M" 64
            Expect.equal (List.ofSeq c.Axes) [ "videos"; "tokens" ] "concat reduces videos"
            Expect.equal ((ModelPlan.Of c).HeadWidth) 128 "concat doubles the width"
        }
        test "attention+cls_token 4D is a concat of two two-level branches" {
            let s =
                hierarchy [
                    concat [
                        branch [ gatedAttention over tokens; gatedAttention over videos ]
                        branch [ clsToken over tokens; clsToken over videos ]
                    ]
                ]
                |> heads [ regression "y" ]
                |> model "M" 64
            Expect.isEmpty (errors s) "valid"
            match List.ofSeq s.Pooling with
            | [ :? ConcatStage as c ] ->
                Expect.equal c.Branches.Count 2 "two branches"
                Expect.equal c.Branches.[0].Count 2 "two gated levels"
                Expect.equal c.Branches.[1].Count 2 "two cls levels"
            | other -> failtestf "expected one concat, got %A" other
            Expect.equal (keysOf s |> Set.filter (fun k -> k.StartsWith "attention_")).Count 6 "one shared gate"
        }
        test "options reach the IR" {
            let s =
                hierarchy [
                    gatedAttention over tokens |> hidden 64 |> dropout 0.2
                    clsToken over videos |> attentionHeads 4 |> preNorm |> dropout 0.1 |> sharedAttention
                ]
                |> heads [ regression "ef" |> outputs 2 |> loss Huber |> lossWeight 2.0; binary "b" |> outputs 2 |> loss Focal ]
                |> withViews 3
                |> model "M" 64
            Expect.isEmpty (errors s) "valid"
            let g = s.Pooling.[0] :?> PoolLevel
            let c = s.Pooling.[1] :?> PoolLevel
            Expect.equal (g.Options.Hidden, g.Options.Dropout, g.Options.GateKey) (64, 0.2, "attention") "gated options"
            Expect.equal (c.Options.AttentionHeads, c.Options.Norm, c.Options.Dropout) (4, NormPlacement.Pre, 0.1) "cls options"
            Expect.equal (c.Options.AttentionKey, c.Options.NormKey) ("cls_attention", "cls_norm") "shared keys"
            Expect.equal s.Heads.[0] (HeadSpec("ef", TaskKind.Regression, 2, LossKind.Huber, 2.0)) "head options"
            Expect.equal s.Heads.[1].Loss LossKind.Focal "binary focal"
            Expect.equal s.ViewEmbedding (ViewEmbeddingSpec(3)) "views"
            Expect.contains (keysOf s) "view_embedding.weight" "view key"
        }
        test "explicit keys override the reference names" {
            let s =
                hierarchy [
                    clsToken over tokens |> tokenKey "tok" |> attentionKey "att" |> normKey "nrm"
                    gatedAttention over videos |> gateKey "g"
                ]
                |> heads [ regression "y" ]
                |> model "M" 64
            Expect.isEmpty (errors s) "valid"
            let keys = keysOf s
            for k in [ "tok"; "att.in_proj_weight"; "nrm.weight"; "g_V.weight"; "g_w.bias" ] do
                Expect.contains keys k k
        }
        test "an option on a level it does not fit is an error naming both" {
            Expect.throwsT<DslError> (fun () -> mean over tokens |> attentionHeads 8 |> ignore) "attentionHeads on mean"
            try
                mean over tokens |> hidden 4 |> ignore
                failtest "expected DslError"
            with DslError m ->
                Expect.stringContains m "hidden" "option named"
                Expect.stringContains m "mean over tokens" "level named"
        }
        test "validate and validated use the spec validator" {
            let bad = hierarchy [ clsToken over videos |> attentionHeads 6 ] |> heads [ regression "y" ] |> model "M" 512
            Expect.equal (errors bad |> List.map (fun d -> d.Code)) [ DiagnosticCodes.HeadsDoNotDivide ] "DC0003"
            Expect.throwsT<SpecException> (fun () -> validated "bad.fsx" bad |> ignore) "throws"
            let good = hierarchy [ mean over videos ] |> heads [ regression "y" ] |> model "M" 8
            Expect.equal (ofJson "rt" (toJson good)) good "json helpers"
        }
        testProperty
            "random DSL models round-trip DSL -> IR -> JSON -> IR"
            (Prop.forAll (Arb.fromGen genCase) (fun c ->
                let spec = c.Draft |> model c.Name c.Dim
                let errs = errors spec
                if not errs.IsEmpty then
                    failwithf "generated an invalid model: %A\n%s" errs (toJson spec)
                SpecJson.Parse(SpecJson.Write spec, "rt.json") = spec))
    ]
