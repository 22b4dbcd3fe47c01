/// `deepcoro bench`: training-step and eval timings of a probe on synthetic inputs, one JSON line per kernel.
module DeepCoro.Cli.BenchCommand

open System.Text.Json.Nodes
open Argu
open TorchSharp
open DeepCoro.Spec
open DeepCoro.Dsl
open DeepCoro.Config
open DeepCoro.Runtime
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Benchmarks
open DeepCoro.Config.UserError
open DeepCoro.Cli.CliError

type BenchArgs =
    | [<Unique>] Batch of int
    | [<Unique>] Videos of int
    | [<Unique>] Tokens of int
    | [<Unique>] Dim of int
    | [<Unique>] Attention_Heads of int
    | [<Unique>] Mode of string
    | [<Unique>] Dropout of float
    | [<Unique>] Kernel of BenchKernel
    | [<Unique>] Threads of int
    | [<Unique>] Device of string
    | [<Unique>] Steps of int
    | [<Unique>] Warmup of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Batch _ -> "studies per step (default 8)."
            | Videos _ -> "videos per study (default 4)."
            | Tokens _ -> "tokens per video (default 393)."
            | Dim _ -> "embedding dim (default 512)."
            | Attention_Heads _ -> "attention heads of each cls level (default 8)."
            | Mode _ -> "DeepCORO pooling_mode (default cls_token): mean, max, attention, cls_token, mean+cls_token, attention+cls_token."
            | Dropout _ -> "dropout of the pooling levels (default 0.1; timed in training mode)."
            | Kernel _ -> "cls kernel to time: fused, reference or both (default both)."
            | Threads _ -> "torch intra-op threads (default: all cores)."
            | Device _ -> "auto, cpu, cuda or cuda:i (default cpu)."
            | Steps _ -> "timed steps; the median is reported (default 10)."
            | Warmup _ -> "untimed steps first (default 2)."

and BenchKernel =
    | Fused
    | Reference
    | Both

/// The seed scenario's model (heads cathEF:1, stenosis:3, contrast:2) with the chosen pooling.
let specFor (mode: string) (dim: int) (heads: int) (dropout: float) =
    let options = PoolOptions(AttentionHeads = heads, Dropout = dropout)
    let stages =
        try ModelBuild.stagesFor mode [ Dsl.videos; Dsl.tokens ] options true
        with :? System.ArgumentException -> fail (sprintf "--mode %s: expected one of %s" mode (String.concat ", " ConfigKeys.poolingModes))
    let spec =
        Dsl.hierarchy stages
        |> Dsl.heads [ Dsl.regression "cathEF"; Dsl.classification "stenosis" 3; Dsl.binary "contrast" |> Dsl.outputs 2 ]
        |> Dsl.model "Bench" dim
    try
        Dsl.validated "bench" spec
    with :? SpecException as e ->
        // the levels of one model fail alike (7 heads over 512 at both cls levels): each reason once, on one line
        let reasons = e.Diagnostics |> Seq.filter (fun d -> d.Severity = Severity.Error) |> Seq.map (fun d -> d.Message) |> Seq.distinct
        raise (UsageFailure(sprintf "--mode %s --dim %d --attention-heads %d: %s" mode dim heads (String.concat "; " reasons)))

/// One JSON line, fields in the order the README's table uses.
let toJson (r: BenchResult) =
    let round (v: float) = JsonValue.Create(System.Math.Round(v, 3)) :> JsonNode
    let o = JsonObject()
    o["kernel"] <- JsonValue.Create(if r.Kernel = ClsKernel.Fused then "fused" else "reference")
    o["device"] <- JsonValue.Create r.Device
    o["threads"] <- JsonValue.Create r.Threads
    o["batch"] <- JsonValue.Create r.Batch
    o["videos"] <- JsonValue.Create r.Videos
    o["tokens"] <- JsonValue.Create r.Tokens
    o["dim"] <- JsonValue.Create r.Dim
    o["train_step_ms"] <- round r.TrainStepMs
    o["eval_ms"] <- round r.EvalMs
    o["read_floor_ms"] <- round r.ReadFloorMs
    o["peak_rss_mb"] <- round r.PeakRssMb
    o["step_extra_mb"] <- round r.StepExtraMb
    o.ToJsonString()

let run (args: ParseResults<BenchArgs>) =
    let count flag (case: Quotations.Expr<int -> BenchArgs>) fallback = args.GetResult(case, fallback) |> checkInt flag OptionRules.count
    args.TryGetResult Threads |> Option.iter (checkInt "--threads" OptionRules.count >> torch.set_num_threads)
    let dropout = args.GetResult(Dropout, 0.1) |> checkFloat "--dropout" OptionRules.belowOne
    let spec = specFor (args.GetResult(Mode, "cls_token")) (count "--dim" <@ Dim @> 512) (count "--attention-heads" <@ Attention_Heads @> 8) dropout
    let options =
        BenchOptions(count "--batch" <@ Batch @> 8, count "--videos" <@ Videos @> 4, count "--tokens" <@ Tokens @> 393, count "--steps" <@ Steps @> 10,
                     args.GetResult(Warmup, 2) |> checkInt "--warmup" OptionRules.countOrZero, DeviceChoice.Parse(args.GetResult(Device, "cpu")))
    let kernels =
        match args.GetResult(Kernel, Both) with
        | Fused -> [ ClsKernel.Fused ]
        | Reference -> [ ClsKernel.Reference ]
        | Both -> [ ClsKernel.Fused; ClsKernel.Reference ]
    for kernel in kernels do
        ProbeBenchmark.Run(spec, kernel, options) |> toJson |> printfn "%s"
