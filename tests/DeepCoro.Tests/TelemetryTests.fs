/// Training telemetry: the attention weights the running kernel exposes (equal to the reference kernel's row 0),
/// attention, gradient and cls-token figures against direct computations,
/// non-finite batches skipped and counted, K skipped steps in a row stopping a run
/// with its checkpoint intact, and TensorBoard histograms as protobuf reads them.
module DeepCoro.Tests.TelemetryTests

open System
open System.IO
open System.Text.Json
open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp
open DeepCoro.Spec
open DeepCoro.Runtime
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Model
open DeepCoro.Runtime.Telemetry
open DeepCoro.Runtime.Training
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.PoolPropertyTests
open DeepCoro.Tests.TrainingTests

/// Every level's attention as its sink received it during one forward: level name -> (weights, mask).
let attentionOf (model: MilModel) (input: ModelInput) =
    let seen = Collections.Generic.List<string * torch.Tensor * torch.Tensor>()
    for level in model.ClsLevels do
        level.Pool.AttentionSink <-
            Action<torch.Tensor, torch.Tensor>(fun a valid ->
                seen.Add((level.Name, a.clone (), (if isNull valid then null else valid.clone ()))))
    try
        use _ = torch.no_grad ()
        model.forward input |> ignore
    finally
        for level in model.ClsLevels do
            level.Pool.AttentionSink <- null
    List.ofSeq seen

let private entropy (a: float list) = a |> List.sumBy (fun p -> if p > 0.0 then -p * log p else 0.0)

/// A 4D two-level cls model on B studies of N videos of L tokens (D = heads x 4), regression head "r".
let private clsModel heads b n l =
    let c = {
        B = b
        N = n
        L = l
        Heads = heads
        HeadWidth = 4
        Pool = Cls(false, false)
        FourD = true
        Valid = Array.init b (fun _ -> Array.create n true)
        Seed = 5
    }
    let s = specOf c
    let spec =
        ModelSpec(
            s.IrVersion,
            "T",
            s.EmbeddingDim,
            s.Axes,
            s.Pooling,
            EquatableList.Of(HeadSpec("r", TaskKind.Regression, 1, LossKind.Mse)),
            null
        )
    torch.manual_seed 5L |> ignore
    spec, new MilModel(ModelPlan.Of spec)

/// A batch of `b` studies with random tokens and regression labels `scale` x N(0, 1).
let private batchOf (spec: ModelSpec) b n l (mask: bool[]) (scale: float) (seed: int) =
    let rng = Random seed
    let d = spec.EmbeddingDim
    let values = Array.init (b * n * l * d) (fun _ -> float32 (Seeding.Gaussian rng))
    let labels = Array.init b (fun _ -> scale * Seeding.Gaussian rng)
    let studies =
        Array.init b (fun i -> Study(Id = sprintf "s%d" i, Split = "train", Videos = Collections.Generic.List(), Labels = [| labels.[i] |]))
    StudyBatch(studies, values, [| int64 b; int64 n; int64 l; int64 d |], mask, null, labels, 1)

let private config = { FsCheckConfig.defaultConfig with maxTest = 30 }

[<Tests>]
let kernelTests =
    testList "telemetry attention weights" [
        testPropertyWithConfig
            config
            "the fused kernel's weights equal the reference kernel's attention row 0"
            (Prop.forAll (Arb.fromGen genCase) (fun (c: Case) ->
                use _ = torch.NewDisposeScope()
                let x, mask = inputOf c
                let weights kernel = attentionOf (modelOf c kernel) (ModelInput(x, mask))
                let fused, reference = weights ClsKernel.Fused, weights ClsKernel.Reference
                Expect.equal
                    (fused |> List.map (fun (n, _, _) -> n))
                    (reference |> List.map (fun (n, _, _) -> n))
                    "the same levels, in order"
                for (name, a, valid), (_, r, _) in List.zip fused reference do
                    assertClose (sprintf "level %s" name) r a
                    let sums = a.sum (2L)
                    assertClose (sprintf "level %s sums to 1" name) (torch.ones_like sums) sums
                    if not (isNull valid) then
                        let masked =
                            a
                                .narrow(2L, 1L, a.shape.[2] - 1L)
                                .masked_select(valid.logical_not().unsqueeze(1L).expand(a.shape.[0], a.shape.[1], a.shape.[2] - 1L))
                        Expect.isTrue
                            (masked.eq(torch.zeros_like masked).all().item<bool>())
                            (sprintf "level %s: masked instances get no weight" name)))
    ]

[<Tests>]
let statisticTests =
    testList "telemetry figures" [
        test "attention entropy, effective count, max weight and cls share equal hand computations; padding rows left out" {
            use _ = torch.NewDisposeScope()
            let _, model = clsModel 1 3 2 2
            use stats = new AttentionStatistics(model, TelemetryClock())
            use _recording = stats.Recording()
            // study 0 has video 0 only, study 1 both, study 2 none
            let mask = torch.tensor (Array2D.init 3 2 (fun i j -> (i = 0 && j = 0) || i = 1))
            stats.Watch(ModelInput(torch.zeros (3L, 2L, 2L, 4L), mask))
            let within = model.ClsLevels |> Seq.find (fun l -> l.Name = "tokens")
            let across = model.ClsLevels |> Seq.find (fun l -> l.Name = "videos")
            // rows are (study, video): (0,0) (0,1 padded) (1,0) (1,1) (2,0 padded)
            // (2,1 padded); positions [cls; t0; t1]
            let w = [
                [ 0.5; 0.25; 0.25 ]
                [ 1.0; 0.0; 0.0 ]
                [ 0.2; 0.3; 0.5 ]
                [ 1.0 / 3.0; 1.0 / 3.0; 1.0 / 3.0 ]
                [ 1.0; 0.0; 0.0 ]
                [ 0.0; 0.0; 1.0 ]
            ]
            within.Pool.AttentionSink.Invoke(torch.tensor(w |> List.concat |> List.map float32 |> Array.ofList).reshape(6L, 1L, 3L), null)
            // per study [cls; v0; v1]; study 2's row has no valid video
            let v = [ [ 0.4; 0.6; 0.0 ]; [ 0.2; 0.2; 0.6 ]; [ 1.0; 0.0; 0.0 ] ]
            across.Pool.AttentionSink.Invoke(torch.tensor(v |> List.concat |> List.map float32 |> Array.ofList).reshape(3L, 1L, 3L), mask)
            let s = stats.Scalars()
            let mean xs = List.average xs
            let used = [ w.[0]; w.[2]; w.[3] ]
            close 1e-5 s.["attention/tokens/h0/entropy"] (used |> List.map (fun a -> entropy a / log 3.0) |> mean) "within entropy / log 3"
            close 1e-5 s.["attention/tokens/h0/effective"] (used |> List.map (entropy >> exp) |> mean) "within exp(entropy)"
            close 1e-6 s.["attention/tokens/h0/max_weight"] (mean [ 0.5; 0.5; 1.0 / 3.0 ]) "within max"
            close 1e-6 s.["attention/tokens/h0/cls_share"] (mean [ 0.5; 0.2; 1.0 / 3.0 ]) "within cls share"
            close
                1e-5
                s.["attention/videos/h0/entropy"]
                (mean [ entropy v.[0] / log 2.0; entropy v.[1] / log 3.0 ])
                "across: log of 1 + valid videos"
            close 1e-6 s.["attention/videos/h0/cls_share"] (mean [ 0.4; 0.2 ]) "across cls share"
            close 1e-6 s.["attention/videos/entropy"] s.["attention/videos/h0/entropy"] "mean over one head"
            let histograms = stats.Histograms() |> Seq.map (fun struct (tag, h) -> tag, h) |> Map.ofSeq
            Expect.equal histograms.["attention/tokens/log10_weight"].Count 9.0 "3 rows x 3 positions"
            Expect.equal histograms.["attention/videos/log10_weight"].Count 5.0 "2 + 3 valid positions"
            Expect.equal (Array.sum histograms.["attention/videos/log10_weight"].BucketCounts) 5.0 "buckets hold every weight"
            stats.Reset()
            Expect.isTrue (Double.IsNaN(stats.Scalars().["attention/videos/h0/entropy"])) "no rows after a reset"
        }
        test "gradient norms before clipping, clip share, update-to-weight ratios and cls-token norms equal direct computations" {
            let spec, model = clsModel 2 2 2 3
            use model = model
            let groups = ParameterGroups.Of(model.Plan, model, OptimizerOptions())
            use optimizer = new AdamOptimizer(groups, OptimizerOptions())
            // labels x 0.01 give global norms of about 10, labels x 100 several hundred: half the steps clip
            let clip = 100.0
            let stats = GradientStatistics(groups, [ "cls_token" ], Nullable clip, 1, TelemetryClock())
            let step = TrainStep(model, optimizer, Nullable clip, torch.CPU, stats)
            let all = groups |> Seq.collect (fun g -> g.Parameters |> Seq.map (fun struct (k, p) -> g.Name, k, p)) |> List.ofSeq
            let expected = [
                for s, scale in List.indexed [ 0.01; 100.0; 0.01; 100.0 ] ->
                    let batch = batchOf spec 2 2 3 [| true; true; true; false |] scale s
                    step.Accumulate(batch, SplitResults(spec.Heads, LossOptions()), 1) |> ignore
                    let norm (t: torch.Tensor) = float (t.norm().item<float32>())
                    let groupNorm g =
                        all |> List.filter (fun (n, _, _) -> n = g) |> List.sumBy (fun (_, _, p) -> let v = norm p.grad in v * v) |> sqrt
                    let total = all |> List.sumBy (fun (_, _, p) -> let v = norm p.grad in v * v) |> sqrt
                    let token = all |> List.pick (fun (_, k, p) -> if k = "cls_token" then Some(norm p.grad) else None)
                    let groupNorms = [ for g in groups -> groupNorm g.Name ]
                    let before = all |> List.map (fun (_, _, p) -> p.detach().clone())
                    Expect.equal (step.Update 1.0) UpdateOutcome.Stepped "stepped"
                    let diff g =
                        all
                        |> List.zip before
                        |> List.filter (fun (_, (n, _, _)) -> n = g)
                        |> List.sumBy (fun (b, (_, _, p)) -> let v = norm (p - b) in v * v)
                    let size g =
                        all
                        |> List.zip before
                        |> List.filter (fun (_, (n, _, _)) -> n = g)
                        |> List.sumBy (fun (b, _) -> let v = norm b in v * v)
                    let tokenUpdate =
                        all |> List.zip before |> List.pick (fun (b, (_, k, p)) -> if k = "cls_token" then Some(norm (p - b)) else None)
                    {|
                        Total = total
                        Token = token
                        TokenUpdate = tokenUpdate
                        Groups = [ for g, n in Seq.zip groups groupNorms -> g.Name, n, sqrt (diff g.Name / size g.Name) ]
                    |}
            ]
            let s = stats.Scalars()
            let mean f = expected |> List.averageBy f
            let rel (a: float) e what = close (1e-4 * abs e + 1e-7) a e what
            rel s.["grad/norm"] (mean (fun e -> e.Total)) "global norm"
            close 1e-12 s.["grad/clipped_share"] (mean (fun e -> if e.Total > clip then 1.0 else 0.0)) "clip share"
            Expect.isTrue
                (s.["grad/clipped_share"] > 0.0 && s.["grad/clipped_share"] < 1.0)
                (sprintf "both clipped and unclipped steps (%g)" s.["grad/clipped_share"])
            for i, g in List.indexed (List.ofSeq groups) do
                let name = g.Name.Replace(':', '/')
                rel s.[sprintf "grad/%s/norm" name] (mean (fun e -> let (_, n, _) = e.Groups.[i] in n)) (name + " norm")
                rel s.[sprintf "grad/%s/update_ratio" name] (mean (fun e -> let (_, _, r) = e.Groups.[i] in r)) (name + " update ratio")
            rel s.["cls/cls_token/grad_norm"] (mean (fun e -> e.Token)) "cls grad norm"
            rel s.["cls/cls_token/update_norm"] (mean (fun e -> e.TokenUpdate)) "cls update norm"
            Expect.isTrue (Double.IsNaN(stats.Scalars().["grad/norm"])) "a fresh start after reading"
        }
    ]

/// The metrics.jsonl rows of a run, as (key -> value) maps (null as NaN).
let metricRows (run: string) =
    File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
    |> Array.map (fun line ->
        use doc = JsonDocument.Parse line
        doc.RootElement.EnumerateObject()
        |> Seq.map (fun p -> p.Name, (if p.Value.ValueKind = JsonValueKind.Number then p.Value.GetDouble() else nan))
        |> Map.ofSeq)

/// Overwrites every video of the given studies with finite values so large that the forward overflows (the
/// finiteness check of the embeddings passes them).
let private overflow (dir: string) (studies: string list) =
    for line in File.ReadAllLines(Path.Combine(dir, "manifest.csv")) |> Array.skip 1 do
        let f = line.Split 'α'
        if List.contains f.[0] studies then
            use s = File.Create(Path.Combine(dir, f.[2]))
            Npy.WriteFloat32(s, ReadOnlySpan(Array.create (4 * 16) 3.0e38f), [| 4L; 16L |])

let private studiesOf (dir: string) split =
    File.ReadAllLines(Path.Combine(dir, "manifest.csv"))
    |> Array.skip 1
    |> Array.map (fun l -> l.Split 'α')
    |> Array.filter (fun f -> f.[1] = split)
    |> Array.map (fun f -> f.[0])
    |> Array.distinct
    |> List.ofArray

[<Tests>]
let runTests =
    testList "telemetry runs" [
        test
            "every epoch logs attention, gradient, cls-token, memory and cost figures; TensorBoard gets them and histograms protobuf can read" {
            let _, config = dataset 60 2 id
            let run = Path.Combine(tempDir (), "run")
            trainRun config run false silent |> ignore
            let rows = metricRows run
            Expect.equal rows.Length 2 "two epochs"
            for row in rows do
                for level in [ "tokens"; "videos" ] do
                    for h in 0 .. DeepCoro.Cli.TrainCommands.synthHeads 16 - 1 do
                        let e = row.[sprintf "attention/%s/h%d/entropy" level h]
                        Expect.isTrue (e > 0.0 && e <= 1.0 + 1e-6) (sprintf "%s h%d entropy %g in (0, 1]" level h e)
                        Expect.isGreaterThanOrEqual row.[sprintf "attention/%s/h%d/effective" level h] 1.0 "effective count >= 1"
                        let c = row.[sprintf "attention/%s/h%d/cls_share" level h]
                        Expect.isTrue (c > 0.0 && c < 1.0) "cls share"
                for key in
                    [
                        "grad/norm"
                        "grad/clipped_share"
                        "grad/cls_across/norm"
                        "grad/cls_across/update_ratio"
                        "grad/head/cathEF/norm"
                        "cls/cls_token/grad_norm"
                        "cls/cls_token/update_norm"
                        "cls/cls_token/norm"
                        "memory/peak_rss_mb"
                        "telemetry/share"
                    ] do
                    Expect.isTrue (row.ContainsKey key && Double.IsFinite row.[key]) (sprintf "%s logged and finite" key)
                Expect.equal row.["train/skipped_batches"] 0.0 "nothing skipped"
            // the event file, read back with TensorBoard's own protobuf classes (shipped inside TorchSharp)
            let events = Directory.GetFiles(Path.Combine(run, "tensorboard")).[0]
            let bytes = File.ReadAllBytes events
            let records =
                let rec read offset acc =
                    if offset >= bytes.Length then
                        List.rev acc
                    else
                        let length = int (BitConverter.ToUInt64(bytes, offset))
                        read (offset + 16 + length) (Tensorboard.Event.Parser.ParseFrom(bytes, offset + 12, length) :: acc)
                read 0 []
            let histograms = [
                for e in records do
                    if not (isNull e.Summary) then
                        for v in e.Summary.Value do
                            if not (isNull v.Histo) then
                                e.Step, v.Tag, v.Histo
            ]
            let tags = histograms |> List.map (fun (_, t, _) -> t) |> List.distinct |> List.sort
            Expect.equal tags [ "attention/tokens/log10_weight"; "attention/videos/log10_weight"; "cls/cls_token/values" ] "histogram tags"
            for step, tag, h in histograms do
                Expect.isTrue (step = 1L || step = 2L) "epoch as step"
                Expect.equal h.BucketLimit.Count h.Bucket.Count (tag + ": a limit per bucket")
                Expect.floatClose Accuracy.high (Seq.fold (+) 0.0 h.Bucket) h.Num (tag + ": buckets sum to the count")
                Expect.isGreaterThan h.Num 0.0 tag
            let scalars =
                [
                    for e in records do
                        if not (isNull e.Summary) then
                            for v in e.Summary.Value do
                                if isNull v.Histo then
                                    v.Tag
                ]
                |> set
            Expect.isTrue (scalars.Contains "attention/tokens/entropy" && scalars.Contains "grad/norm") "telemetry scalars in TensorBoard"
        }
        test "a planted non-finite batch is skipped and counted; training goes on with finite weights" {
            let dir, config = dataset 40 1 (fun t -> t.Replace("batch_size: 16", "batch_size: 1"))
            overflow dir [ (studiesOf dir "train").Head ]
            let run = Path.Combine(tempDir (), "run")
            let r = trainRun config run false silent
            let row = (metricRows run).[0]
            Expect.equal row.["train/skipped_batches"] 1.0 "one batch skipped"
            Expect.equal row.["train/skipped_steps"] 1.0 "its step skipped (it had nothing finite to step on)"
            Expect.isTrue (Double.IsFinite row.["train/main_loss"]) "the skipped batch is not in the epoch's loss"
            Expect.isTrue (Double.IsFinite r.Metrics.["val/main_loss"]) "the weights stayed finite"
        }
        test "K skipped steps in a row stop the run, naming epoch and step; the last good checkpoint is intact" {
            let dir, config = dataset 40 1 (fun t -> t.Replace("batch_size: 16", "batch_size: 2"))
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--no-report" ]
            Expect.equal code 0 err
            let checkpoint = Path.Combine(run, "checkpoint.safetensors")
            let saved = File.ReadAllBytes checkpoint
            overflow dir (studiesOf dir "train")
            let code, _, err =
                CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--resume"; "--epochs"; "3"; "--no-report" ]
            Expect.equal code 1 err
            Expect.stringContains err "epoch 2, step " "names the epoch"
            Expect.stringContains err "5 optimizer steps in a row skipped for a non-finite loss or gradient" "why"
            Expect.stringContains err checkpoint "the kept checkpoint"
            Expect.equal (err.Trim().Split('\n') |> Array.filter (fun l -> l.StartsWith "error:") |> Array.length) 1 "one line"
            Expect.sequenceEqual (File.ReadAllBytes checkpoint) saved "the checkpoint of epoch 1, byte for byte"
            Expect.equal (metricRows run).Length 1 "no line for the stopped epoch"
        }
    ]
