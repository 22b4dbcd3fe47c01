module DeepCoro.Tests.ConfigImportTests

open System
open System.IO
open System.Text
open System.Text.Json
open Expecto
open DeepCoro.Spec
open DeepCoro.Config
open DeepCoro.Config.DeepCoroConfig
open DeepCoro.Config.ConfigError

let rec private describe (stages: seq<PoolStage>) =
    stages
    |> Seq.map (fun s ->
        match s with
        | :? PoolLevel as l -> sprintf "%s:%s" (SpecJson.PoolName l.Kind) l.Over
        | :? ConcatStage as c -> "concat[" + (c.Branches |> Seq.map describe |> String.concat " | ") + "]"
        | _ -> failwith "unknown stage")
    |> String.concat " "

let private keysOf (spec: ModelSpec) = (ModelPlan.Of spec).Parameters |> Seq.map (fun p -> p.Key) |> Set.ofSeq
let private poolKeys spec = keysOf spec |> Set.filter (fun k -> not (k.StartsWith "heads."))

let private gate =
    set [
        for m in [ "V"; "U"; "w" ] do
            for p in [ "weight"; "bias" ] -> sprintf "attention_%s.%s" m p
    ]
let private layer k = set [ k + ".in_proj_weight"; k + ".in_proj_bias"; k + ".out_proj.weight"; k + ".out_proj.bias" ]
let private norm k = set [ k + ".weight"; k + ".bias" ]
let private within = layer "cls_attention_within" + norm "cls_norm_within"
let private across = layer "cls_attention_across" + norm "cls_norm_across"
let private cls = set [ "cls_token" ]

let private bare (mode: string) (extra: string) =
    sprintf
        "embedding_dim: 64\nhead_structure:\n  cathEF: 1\n  stenosis: 3\n  contrast: 2\npooling_mode: %s\nnum_attention_heads: 4\n%s"
        mode
        extra

/// (mode, input rank, stage structure, pooling parameter keys: the reference's, so `within` appears wherever
/// it builds a separate cls layer, kept as unused parameters where no level uses it)
let private modeTable = [
    "mean", 3, "mean:videos", Set.empty
    "max", 3, "max:videos", Set.empty
    "attention", 3, "gatedAttention:videos", gate
    "cls_token", 3, "clsToken:videos", cls + within + across
    "mean+cls_token", 3, "concat[mean:videos | clsToken:videos]", cls + within + across
    "attention+cls_token", 3, "concat[gatedAttention:videos | clsToken:videos]", gate + cls + within + across
    "mean", 4, "mean:tokens mean:videos", Set.empty
    "max", 4, "mean:tokens max:videos", Set.empty
    "attention", 4, "gatedAttention:tokens gatedAttention:videos", gate
    "cls_token", 4, "clsToken:tokens clsToken:videos", cls + within + across
    "mean+cls_token", 4, "mean:tokens concat[mean:videos | clsToken:videos]", cls + within + across
    "attention+cls_token",
    4,
    "concat[gatedAttention:tokens gatedAttention:videos | clsToken:tokens clsToken:videos]",
    gate + cls + within + across
]

/// The tensor names and shapes of a safetensors file: 8-byte little-endian header length, then a JSON header.
let private safetensorsShapes (path: string) =
    use f = File.OpenRead path
    let lenBytes = Array.zeroCreate<byte> 8
    f.ReadExactly(lenBytes, 0, 8)
    let len = BitConverter.ToUInt64(lenBytes, 0) |> int
    let header = Array.zeroCreate<byte> len
    f.ReadExactly(header, 0, len)
    use doc = JsonDocument.Parse(Encoding.UTF8.GetString header)
    [
        for p in doc.RootElement.EnumerateObject() do
            if p.Name <> "__metadata__" then
                yield p.Name, [ for d in p.Value.GetProperty("shape").EnumerateArray() -> d.GetInt32() ]
    ]
    |> Map.ofList

let private failure (f: unit -> 'a) =
    try
        f () |> ignore
        failtest "expected a ConfigError"
    with :? ConfigError as e ->
        e

let private messages (e: ConfigError) = e.Diagnostics |> List.map string

[<Tests>]
let tests =
    testList "dsl config import" [
        testList "pooling modes" [
            for mode, rank, structure, keys in modeTable ->
                test (sprintf "%s %dD" mode rank) {
                    let spec = parse "m.yaml" (bare mode (sprintf "input_rank: %d\n" rank))
                    Expect.equal (describe spec.Pooling) structure "stages"
                    Expect.equal (poolKeys spec) keys "parameter keys"
                    Expect.equal (List.ofSeq spec.Axes) (if rank = 3 then [ "videos" ] else [ "videos"; "tokens" ]) "axes"
                    let width = if mode.Contains "+" then 128 else 64
                    Expect.equal ((ModelPlan.Of spec).HeadWidth) width "head width"
                    let head = (ModelPlan.Of spec).Parameters |> Seq.find (fun p -> p.Key = "heads.stenosis.weight")
                    Expect.equal (List.ofSeq head.Shape) [ 3; width ] "head shape"
                }
        ]
        test "default rank is 4D; separate_video_attention false shares cls_attention/cls_norm" {
            let spec = parse "m.yaml" (bare "cls_token" "separate_video_attention: false\n")
            Expect.equal (List.ofSeq spec.Axes) [ "videos"; "tokens" ] "4D by default"
            Expect.equal (poolKeys spec) (cls + layer "cls_attention" + norm "cls_norm") "shared keys"
            let spec = parse "m.yaml" (bare "attention+cls_token" "separate_video_attention: false\n")
            Expect.equal (poolKeys spec) (gate + cls + layer "cls_attention" + norm "cls_norm") "shared keys in the concat"
        }
        test "every model option reaches the levels" {
            let spec =
                parse
                    "m.yaml"
                    (bare
                        "attention+cls_token"
                        "attention_hidden: 16\ndropout: 0.25\nnormalization_strategy: pre_norm\nnum_view_classes: 3\n")
            let levels = [
                for s in spec.Pooling do
                    for b in (s :?> ConcatStage).Branches do
                        for l in b -> l :?> PoolLevel
            ]
            for l in levels do
                Expect.equal l.Options.Dropout 0.25 "dropout on every level"
                if l.Kind = PoolKind.GatedAttention then
                    Expect.equal l.Options.Hidden 16 "hidden"
                else
                    Expect.equal (l.Options.AttentionHeads, l.Options.Norm) (4, NormPlacement.Pre) "cls options"
            Expect.equal spec.ViewEmbedding (ViewEmbeddingSpec(3)) "views"
            let d = parse "m.yaml" (bare "attention" "")
            Expect.equal ((d.Pooling.[0] :?> PoolLevel).Options.Hidden) 128 "reference default hidden"
        }
        test "a whole reference config: model_config is read, other top-level keys ignored" {
            let text =
                "model_name: run_7\nvideo_config:\n  frames: 16\noptimizer:\n  lr: 0.001\nmodel_config:\n  embedding_dim: 512\n  head_structure:\n    cathEF: 1\n  pooling_mode: cls_token\n"
            let spec = parse "run7.yaml" text
            Expect.equal spec.Name "Run7" "model named after the file"
            Expect.equal spec.EmbeddingDim 512 "dim"
            Expect.equal (describe spec.Pooling) "clsToken:tokens clsToken:videos" "stages"
        }
        test "JSON is read too" {
            let spec =
                parse "c.json" """{"embedding_dim": 32, "head_structure": {"a": 1, "b": 4}, "pooling_mode": "max", "input_rank": 3}"""
            Expect.equal (describe spec.Pooling) "max:videos" "stages"
            Expect.equal [ for h in spec.Heads -> h.Name ] [ "a"; "b" ] "head order"
        }
        test "head task rule: outputs 1/2/3+, loss_structure, then head_task" {
            let spec = parse "m.yaml" (bare "mean" "")
            Expect.equal
                [ for h in spec.Heads -> h.Task, h.Loss ]
                [ TaskKind.Regression, LossKind.Mse; TaskKind.Multiclass, LossKind.Ce; TaskKind.Binary, LossKind.Bce ]
                "by outputs"
            let spec =
                parse
                    "m.yaml"
                    (bare "mean" "loss_structure:\n  cathEF: bce_logit\n  stenosis: focal\n  contrast: ce\nhead_weights:\n  stenosis: 0.5\n")
            Expect.equal
                [ for h in spec.Heads -> h.Task, h.Loss, h.Weight ]
                [ TaskKind.Binary, LossKind.Bce, 1.0; TaskKind.Multiclass, LossKind.Focal, 0.5; TaskKind.Multiclass, LossKind.Ce, 1.0 ]
                "by loss"
            let spec = parse "m.yaml" (bare "mean" "head_task:\n  contrast: regression\nloss_structure:\n  contrast: huber\n")
            Expect.equal (spec.Heads.[2].Task, spec.Heads.[2].Loss) (TaskKind.Regression, LossKind.Huber) "explicit task"
        }
        test "unknown key: line, column and the closest known key" {
            let text =
                "model_name: x\nvideo_config:\n  frames: 16\nmodel_config:\n  embedding_dim: 512\n  head_structure:\n    cathEF: 1\n  num_attention_head: 8\n"
            let e = failure (fun () -> parse "config.yaml" text)
            Expect.equal
                (messages e)
                [ "config.yaml:8:3: unknown key 'num_attention_head' in model_config: did you mean 'num_attention_heads'?" ]
                "message"
            Expect.equal (e.File, e.Line, e.Column) ("config.yaml", 8, 3) "position"
            let e = failure (fun () -> parse "bare.yaml" "embedding_dim: 8\nhead_structure: {a: 1}\npoling_mode: mean\n")
            Expect.equal
                (messages e)
                [ "bare.yaml:3:1: unknown key 'poling_mode' in the model config: did you mean 'pooling_mode'?" ]
                "bare map"
        }
        test "invalid values give their messages" {
            let e = failure (fun () -> parse "c.yaml" (bare "atention" ""))
            Expect.equal
                (messages e)
                [
                    "c.yaml:6:15: pooling_mode: 'atention' is not one of mean, max, attention, cls_token, mean+cls_token, attention+cls_token; did you mean 'attention'?"
                ]
                "mode"
            let e =
                failure (fun () ->
                    parse "c.yaml" "embedding_dim: 512\nhead_structure:\n  cathEF: 1\npooling_mode: cls_token\nnum_attention_heads: 6\n")
            match e.Diagnostics with
            | [ d ] ->
                Expect.equal (d.Code, d.Line, d.Column) ("DC0003", 5, 22) "DC0003 at num_attention_heads"
                Expect.stringStarts (string d) "c.yaml:5:22: DC0003: 6 attention heads do not divide the width 512" "message"
            | ds -> failtestf "expected one error, got %A" ds
            let e =
                failure (fun () -> parse "c.yaml" "embedding_dim: \"512\"\nhead_structure:\n  cathEF: 0\nnormalization_strategy: prenorm\n")
            Expect.equal
                (messages e)
                [
                    "c.yaml:1:16: embedding_dim: expected an integer but found the string '512'"
                    "c.yaml:4:25: normalization_strategy: 'prenorm' is not one of post_norm, pre_norm; did you mean 'pre_norm'?"
                ]
                "types and enums"
            let e = failure (fun () -> parse "c.yaml" "head_structure:\n  cathEF: 1\n")
            Expect.equal (messages e) [ "c.yaml:1:1: missing required key 'embedding_dim' in the model config" ] "missing key"
            let e = failure (fun () -> parse "c.yaml" "embedding_dim: 8\nhead_structure:\n  cathEF: 0\n")
            Expect.stringContains (string e.Diagnostics.Head) "c.yaml:3:3: DC0008" "outputs located at the head"
            let e = failure (fun () -> parse "c.yaml" (bare "mean" "loss_structure:\n  cathEf: mse\n"))
            Expect.equal
                (messages e)
                [ "c.yaml:9:3: loss_structure: 'cathEf' is not a head of the model; did you mean 'cathEF'?" ]
                "unknown head"
            let e = failure (fun () -> parse "c.yaml" "embedding_dim: [8\n")
            Expect.stringStarts (string e.Diagnostics.Head) "c.yaml:" "YAML error located"
            let e = failure (fun () -> parse "c.yaml" "embedding_dim: 8\nhead_structure: {a: 1, a: 2}\n")
            Expect.equal
                (messages e)
                [ "c.yaml:2:24: head_structure: key 'a' is repeated (first on line 2); give each key once" ]
                "duplicate head"
            let e = failure (fun () -> parse "c.yaml" "model_config: 3\n")
            Expect.equal (messages e) [ "c.yaml:1:15: model_config: expected a map but found '3'" ] "not a map"
            let e = failure (fun () -> parse "c.yaml" (bare "mean" "input_rank: 5\n"))
            Expect.stringContains e.Message "input_rank" "rank"
        }
        test "use_cls_token: agreeing is silent, disagreeing is ignored with a reason" {
            Expect.isEmpty (import "m.yaml" (bare "cls_token" "use_cls_token: true\n")).Warnings "agrees"
            let r = import "m.yaml" (bare "mean" "use_cls_token: true\n")
            Expect.equal (describe r.Spec.Pooling) "mean:tokens mean:videos" "mode decides"
            match r.Warnings with
            | [ w ] -> Expect.stringContains (string w) "m.yaml:8:16: warning: use_cls_token: true is ignored" "reason"
            | ws -> failtestf "expected one warning, got %A" ws
        }
        test "axes name custom axes and must agree with input_rank" {
            let spec = parse "m.yaml" (bare "cls_token" "axes: [studies, frames]\n")
            Expect.equal (List.ofSeq spec.Axes) [ "studies"; "frames" ] "axes"
            Expect.contains (poolKeys spec) "cls_attention_frames.in_proj_weight" "custom axis key"
            let e = failure (fun () -> parse "m.yaml" (bare "cls_token" "axes: [videos]\ninput_rank: 4\n"))
            Expect.stringContains e.Message "disagrees" "conflict"
        }
        test "golden MIL cases import with the golden state_dict keys and shapes" {
            use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestSupport.goldenDir, "cases.json")))
            let mutable count = 0
            for case in doc.RootElement.EnumerateObject() do
                if case.Value.GetProperty("model").GetString() = "multi_instance_linear_probing" then
                    count <- count + 1
                    let config = case.Value.GetProperty("config")
                    let rank = case.Value.GetProperty("input_shape").GetArrayLength()
                    let spec = ofCaseConfig case.Name (config.GetRawText()) rank
                    let golden = safetensorsShapes (Path.Combine(TestSupport.goldenDir, case.Name + ".weights.safetensors"))
                    let mine = (ModelPlan.Of spec).Parameters |> Seq.map (fun p -> p.Key, List.ofSeq p.Shape) |> Map.ofSeq
                    for KeyValue(k, shape) in mine do
                        Expect.equal (Map.tryFind k golden) (Some shape) (sprintf "%s: %s" case.Name k)
                    // The reference builds cls_attention_within/cls_norm_within whenever it has a separate cls
                    // layer, even where no level over tokens uses them (3D input, mean+cls_token): the import keeps
                    // them as unused parameters, so the key sets are equal and golden weights load strictly.
                    Expect.equal (Set.ofSeq mine.Keys) (golden |> Map.keys |> Set.ofSeq) (sprintf "%s: key set" case.Name)
                    let mode = config.GetProperty("pooling_mode").GetString()
                    if case.Name = "cls3d_post" || case.Name = "mean_cls4d" then
                        Expect.equal
                            (spec.UnusedParameters |> Seq.map (fun u -> u.Key) |> Set.ofSeq)
                            within
                            (sprintf "%s (%s): the within layer is unused" case.Name mode)
            Expect.isGreaterThanOrEqual count 13 "every MIL case"
        }
        test "ofCaseConfig names the case in errors" {
            let e = failure (fun () -> ofCaseConfig "bad_case" """{"embedding_dim": 32, "head_structure": {"a": 1}, "dropuot": 0.1}""" 4)
            Expect.equal
                (messages e)
                [ "cases.json#bad_case:1:51: unknown key 'dropuot' in the model config: did you mean 'dropout'?" ]
                "message"
        }
    ]
