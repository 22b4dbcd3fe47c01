/// `deepcoro bench`: training-step and eval timings of a probe on synthetic inputs, one JSON line per kernel; with
/// --telemetry, what the training telemetry adds to them; with --intervals, the bootstrap's time per head.
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
open DeepCoro.Runtime.Data
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
    | [<Unique>] Encoder of path: string
    | [<Unique>] Ratios of string
    | Forward
    | [<Unique>] Onnx of path: string
    | [<Unique>] Python of path: string
    | Telemetry
    | [<Unique>] Intervals of samples: int
    | [<Unique>] Token_Dtype of string
    | Epoch
    | [<Unique>] Studies of int

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
            | Kernel _ -> "cls kernel to time: fused (one-pass on CPU float32), batched, reference or all (default all)."
            | Threads _ -> "torch intra-op threads (default: all cores)."
            | Device _ -> "auto, cpu, cuda or cuda:i (default cpu)."
            | Steps _ -> "timed steps; the median is reported (default 10)."
            | Warmup _ -> "untimed steps first (default 2)."
            | Encoder _ ->
                "time fine-tuning this TorchScript encoder with the probe: the whole encoder per step vs its frozen prefix cached."
            | Ratios _ -> "with --encoder: video_freeze_ratio values, comma-separated (default 0.5,0.76,0.8,0.92)."
            | Forward ->
                "with --encoder: time the forward per video (embed) instead: TorchSharp, ONNX Runtime (--onnx) and PyTorch (--python)."
            | Onnx _ -> "with --encoder: the same encoder as ONNX (tools/export_encoder.py --onnx); implies --forward."
            | Python _ ->
                "with --forward: the python with PyTorch that runs the TorchScript file too (default /usr/bin/python3; none: skip)."
            | Telemetry ->
                "instead: the CPU time the training telemetry adds to a step and a forward (fused kernel; --steps pairs, alternating)."
            | Intervals _ -> "instead: time the bootstrap intervals of one head per task on N samples (1000 resamples, median of --steps)."
            | Token_Dtype _ ->
                "tokens as float32 (default), float16 or bfloat16 (data.token_dtype); with --epoch: float32,float16 (default)."
            | Epoch -> "instead: one timed training epoch from a synthetic on-disk dataset per token dtype, against the compute-bound rate."
            | Studies _ -> "with --epoch: studies in the dataset (default 100; about 70 % of them train)."

and BenchKernel =
    | Fused
    | Batched
    | Reference
    | All

/// A bench model over the given heads with the chosen pooling.
let private specWith headSpecs (mode: string) (dim: int) (heads: int) (dropout: float) =
    let options = PoolOptions(AttentionHeads = heads, Dropout = dropout)
    let stages =
        match Settings.PoolingMode.TryParse mode with
        | Some m -> ModelBuild.stagesFor m [ Dsl.videos; Dsl.tokens ] options true
        | None -> fail (sprintf "--mode %s: expected one of %s" mode (String.concat ", " ConfigKeys.poolingModes))
    let spec = Dsl.hierarchy stages |> Dsl.heads headSpecs |> Dsl.model "Bench" dim
    try
        Dsl.validated "bench" spec
    with :? SpecException as e ->
        // the levels of one model fail alike (7 heads over 512 at both cls levels): each reason once, on one line
        let reasons = e.Diagnostics |> Seq.filter (fun d -> d.Severity = Severity.Error) |> Seq.map (fun d -> d.Message) |> Seq.distinct
        raise (UsageFailure(sprintf "--mode %s --dim %d --attention-heads %d: %s" mode dim heads (String.concat "; " reasons)))

/// The seed scenario's model (heads cathEF:1, stenosis:3, contrast:2) with the chosen pooling.
let specFor mode dim heads dropout =
    specWith [ Dsl.regression "cathEF"; Dsl.classification "stenosis" 3; Dsl.binary "contrast" |> Dsl.outputs 2 ] mode dim heads dropout

let private tokenDtypes = [ "float32", TokenDtype.Float32; "float16", TokenDtype.Float16; "bfloat16", TokenDtype.BFloat16 ]

/// --token-dtype's values, comma-separated.
let private dtypesOf (text: string) =
    text.Split(',')
    |> Array.map (fun t ->
        match tokenDtypes |> List.tryFind (fun (name, _) -> name = t.Trim()) with
        | Some(_, dtype) -> dtype
        | None -> fail (sprintf "--token-dtype: '%s' is not one of %s" t (tokenDtypes |> List.map fst |> String.concat ", ")))
    |> List.ofArray

let private dtypeName (dtype: TokenDtype) = tokenDtypes |> List.find (fun (_, d) -> d = dtype) |> fst

/// The one-minute load average, printed beside every epoch figure: on a shared machine it says what they measured.
let private loadAverage () =
    try
        (System.IO.File.ReadAllText "/proc/loadavg").Split(' ').[0] |> float
    with _ ->
        nan

/// `bench --epoch`: one JSON line per token dtype, an epoch of `synth`'s planted set (heads cathEF, abnormal) from
/// disk.
let private epochBench (args: ParseResults<BenchArgs>) count dropout =
    let spec =
        specWith
            [ Dsl.regression "cathEF"; Dsl.binary "abnormal" ]
            (args.GetResult(Mode, "cls_token"))
            (count "--dim" <@ Dim @> 512)
            (count "--attention-heads" <@ Attention_Heads @> 8)
            dropout
    let dtypes = dtypesOf (args.GetResult(Token_Dtype, "float32,float16"))
    let directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "deepcoro-bench-epoch-" + System.Guid.NewGuid().ToString "N")
    try
        EpochBenchmark.Prepare(
            directory,
            DeepCoro.Runtime.Data.SyntheticOptions(
                Studies = count "--studies" <@ Studies @> 100,
                Dim = spec.EmbeddingDim,
                Tokens = count "--tokens" <@ Tokens @> 393
            )
        )
        let limits = MachineLimits.Measure()
        for dtype in dtypes do
            let r = EpochBenchmark.Run(spec, directory, dtype, count "--batch" <@ Batch @> 16, 0, limits)
            let round (v: float) = JsonValue.Create(System.Math.Round(v, 3)) :> JsonNode
            let o = JsonObject()
            o["bench"] <- JsonValue.Create "epoch"
            o["token_dtype"] <- JsonValue.Create(dtypeName r.Dtype)
            o["threads"] <- JsonValue.Create(torch.get_num_threads ())
            o["omp_wait_policy"] <- JsonValue.Create DeepCoro.Runtime.OpenMpWaiting.Current
            o["studies"] <- JsonValue.Create r.Studies
            o["videos"] <- JsonValue.Create r.Videos
            o["batches"] <- JsonValue.Create r.Batches
            o["file_mb"] <- round (float r.FileBytes / 1048576.0)
            o["epoch_s"] <- round r.Seconds
            o["studies_per_s"] <- round r.StudiesPerSecond
            o["compute_bound_studies_per_s"] <- round r.ComputeBoundStudiesPerSecond
            o["vs_compute_bound"] <- round (r.StudiesPerSecond / r.ComputeBoundStudiesPerSecond)
            o["practical_floor_studies_per_s"] <- round r.PracticalStudiesPerSecond
            o["vs_practical_floor"] <- round (r.StudiesPerSecond / r.PracticalStudiesPerSecond)
            o["peak_gmadd_s"] <- round (r.Limits.MultiplyAddsPerSecond / 1e9)
            o["bandwidth_gb_s"] <- round (r.Limits.BytesPerSecond / 1e9)
            o["load_avg_1m"] <- round (loadAverage ())
            printfn "%s" (o.ToJsonString())
    finally
        if System.IO.Directory.Exists directory then
            System.IO.Directory.Delete(directory, true)

/// One JSON line, fields in the order the README's table uses.
let toJson (r: BenchResult) =
    let round (v: float) = JsonValue.Create(System.Math.Round(v, 3)) :> JsonNode
    let o = JsonObject()
    o["kernel"] <- JsonValue.Create(r.Kernel.ToString().ToLowerInvariant())
    o["device"] <- JsonValue.Create r.Device
    o["threads"] <- JsonValue.Create r.Threads
    o["omp_wait_policy"] <- JsonValue.Create DeepCoro.Runtime.OpenMpWaiting.Current
    o["batch"] <- JsonValue.Create r.Batch
    o["videos"] <- JsonValue.Create r.Videos
    o["tokens"] <- JsonValue.Create r.Tokens
    o["dim"] <- JsonValue.Create r.Dim
    o["train_step_ms"] <- round r.TrainStepMs
    o["eval_ms"] <- round r.EvalMs
    o["read_floor_ms"] <- round r.ReadFloorMs
    o["peak_rss_mb"] <- round r.PeakRssMb
    o["step_extra_mb"] <- round r.StepExtraMb
    o["simd"] <- JsonValue.Create r.Simd
    o["token_dtype"] <- JsonValue.Create(dtypeName r.TokenDtype)
    o["peak_gmadd_s"] <- round (r.Limits.MultiplyAddsPerSecond / 1e9)
    o["bandwidth_gb_s"] <- round (r.Limits.BytesPerSecond / 1e9)
    o["eval_floor_ms"] <- round r.EvalFloorMs
    o["eval_vs_floor"] <- round (r.EvalMs / r.EvalFloorMs)
    o["train_floor_ms"] <- round r.TrainFloorMs
    o["train_vs_floor"] <- round (r.TrainStepMs / r.TrainFloorMs)
    match Option.ofObj r.OnePass with
    | Some a ->
        o["one_pass_forward_ms"] <- round a.ForwardMs
        o["one_pass_backward_ms"] <- round a.BackwardMs
        o["one_pass_floor_ms"] <- round a.FloorMs
        o["one_pass_forward_vs_floor"] <- round (a.ForwardMs / a.FloorMs)
        o["one_pass_backward_vs_floor"] <- round (a.BackwardMs / a.FloorMs)
    | None -> ()
    o.ToJsonString()

/// One JSON line per freeze ratio: the step both ways, their ratio, the cache per video.
let encoderJson (r: EncoderBenchResult) =
    let round (v: float) = JsonValue.Create(System.Math.Round(v, 3)) :> JsonNode
    let o = JsonObject()
    o["encoder"] <- JsonValue.Create(System.IO.Path.GetFileName r.Encoder)
    o["video_freeze_ratio"] <- JsonValue.Create r.Ratio
    o["trainable_tensors"] <- JsonValue.Create(sprintf "%d/%d" r.TrainableTensors r.BackboneTensors)
    o["cached_blocks"] <- JsonValue.Create r.CutBlocks
    o["cache_shape"] <- JsonValue.Create(r.CacheShape |> Array.map string |> String.concat "x")
    o["cache_mb_per_video_f16"] <- round r.CacheMbPerVideo
    o["prefix_once_ms"] <- round r.PrefixMs
    o["whole_encoder_step_ms"] <- round r.WholeStepMs
    o["cached_prefix_step_ms"] <- round r.CachedStepMs
    o["speedup"] <- round r.Speedup
    o.ToJsonString()

let private encoderBench (args: ParseResults<BenchArgs>) (path: string) =
    let ratios =
        args.GetResult(Ratios, "0.5,0.76,0.8,0.92").Split(',')
        |> Array.map (fun t ->
            match
                System.Double.TryParse(
                    t.Trim(),
                    System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture
                )
            with
            | true, v -> v
            | _ -> fail (sprintf "--ratios: '%s' is not a number" t))
    let options =
        BenchOptions(
            args.GetResult(Batch, 1),
            args.GetResult(Videos, 1),
            0,
            args.GetResult(Steps, 5),
            args.GetResult(Warmup, 1),
            DeviceChoice.Parse(args.GetResult(Device, "cpu"))
        )
    let probe dim = specFor "cls_token" dim (args.GetResult(Attention_Heads, 8)) 0.0
    for ratio in ratios do
        EncoderBenchmark.Run(path, ratio, System.Func<int, ModelSpec> probe, options) |> encoderJson |> printfn "%s"

let private intervals (samples: int) (repeats: int) =
    for r in IntervalBenchmark.Run(samples, 1000, repeats) do
        let o = JsonObject()
        o["bench"] <- JsonValue.Create "intervals"
        o["task"] <- JsonValue.Create r.Task
        o["samples"] <- JsonValue.Create r.Samples
        o["resamples"] <- JsonValue.Create r.Resamples
        o["cores"] <- JsonValue.Create r.Threads
        o["ms_per_head"] <- JsonValue.Create(System.Math.Round(r.Ms, 1))
        o["cpu_ms_per_head"] <- JsonValue.Create(System.Math.Round(r.CpuMs, 1))
        printfn "%s" (o.ToJsonString())

let run (args: ParseResults<BenchArgs>) =
    let count flag (case: Quotations.Expr<int -> BenchArgs>) fallback = args.GetResult(case, fallback) |> checkInt flag OptionRules.count
    args.TryGetResult Threads |> Option.iter (checkInt "--threads" OptionRules.count >> torch.set_num_threads)
    let forward = args.Contains Forward || args.Contains Onnx
    if (forward || args.Contains Python) && not (args.Contains Encoder) then
        fail "--forward, --onnx and --python time an encoder: give --encoder E.pt"
    if args.Contains Python && not forward then
        fail "--python: only the forward bench runs PyTorch; add --forward"
    let others =
        args.GetAllResults()
        |> List.exists (function
            | Encoder _
            | Forward
            | Onnx _
            | Python _
            | Threads _
            | Steps _
            | Warmup _ -> false
            | _ -> true)
    if forward && others then
        fail "--forward (or --onnx) times one video on the CPU: it takes only --encoder, --onnx, --python, --threads, --steps and --warmup"
    match args.TryGetResult Intervals with
    | _ when forward ->
        EncoderForwardBench.run
            (args.GetResult Encoder)
            (args.TryGetResult Onnx)
            (args.GetResult(Python, "/usr/bin/python3"))
            (count "--threads" <@ Threads @> 2)
            (count "--steps" <@ Steps @> 5)
            (args.GetResult(Warmup, 2) |> checkInt "--warmup" OptionRules.countOrZero)
    | _ when args.Contains Encoder -> encoderBench args (args.GetResult Encoder)
    | Some samples when samples < 2 -> fail "--intervals: at least 2 samples"
    | Some samples -> intervals samples (args.GetResult(Steps, 5))
    | None when args.Contains Epoch -> epochBench args count (args.GetResult(Dropout, 0.1) |> checkFloat "--dropout" OptionRules.belowOne)
    | None when args.Contains Telemetry ->
        let spec =
            specFor
                (args.GetResult(Mode, "cls_token"))
                (args.GetResult(Dim, 512))
                (args.GetResult(Attention_Heads, 8))
                (args.GetResult(Dropout, 0.1))
        let options =
            BenchOptions(
                args.GetResult(Batch, 8),
                args.GetResult(Videos, 4),
                args.GetResult(Tokens, 393),
                args.GetResult(Steps, 50),
                args.GetResult(Warmup, 10),
                DeviceChoice.Parse(args.GetResult(Device, "cpu"))
            )
        let r = TelemetryBenchmark.Run(spec, options, options.Steps)
        let o = JsonObject()
        let round (v: float) = JsonValue.Create(System.Math.Round(v, 3)) :> JsonNode
        o["bench"] <- JsonValue.Create "telemetry"
        o["threads"] <- JsonValue.Create(torch.get_num_threads ())
        o["batch"] <- JsonValue.Create options.Batch
        o["tokens"] <- JsonValue.Create options.Tokens
        o["pairs"] <- JsonValue.Create r.Pairs
        o["train_step_cpu_ms"] <- round r.TrainStepCpuMs
        o["train_telemetry_cpu_ms"] <- round r.TrainTelemetryCpuMs
        o["train_share"] <- round r.TrainShare
        o["eval_cpu_ms"] <- round r.EvalCpuMs
        o["eval_telemetry_cpu_ms"] <- round r.EvalTelemetryCpuMs
        o["eval_share"] <- round r.EvalShare
        printfn "%s" (o.ToJsonString())
    | None ->
        let dropout = args.GetResult(Dropout, 0.1) |> checkFloat "--dropout" OptionRules.belowOne
        let spec =
            specFor
                (args.GetResult(Mode, "cls_token"))
                (count "--dim" <@ Dim @> 512)
                (count "--attention-heads" <@ Attention_Heads @> 8)
                dropout
        let options =
            BenchOptions(
                count "--batch" <@ Batch @> 8,
                count "--videos" <@ Videos @> 4,
                count "--tokens" <@ Tokens @> 393,
                count "--steps" <@ Steps @> 10,
                args.GetResult(Warmup, 2) |> checkInt "--warmup" OptionRules.countOrZero,
                DeviceChoice.Parse(args.GetResult(Device, "cpu")),
                TokenDtype =
                    (match dtypesOf (args.GetResult(Token_Dtype, "float32")) with
                     | [ dtype ] -> dtype
                     | _ -> fail "--token-dtype: one dtype without --epoch")
            )
        let kernels =
            match args.GetResult(Kernel, All) with
            | Fused -> [ ClsKernel.Fused ]
            | Batched -> [ ClsKernel.Batched ]
            | Reference -> [ ClsKernel.Reference ]
            | All -> [ ClsKernel.Fused; ClsKernel.Batched; ClsKernel.Reference ]
        // measured once, in the same run as the kernels it bounds
        let limits = MachineLimits.Measure()
        for kernel in kernels do
            ProbeBenchmark.Run(spec, kernel, options, limits) |> toJson |> printfn "%s"
