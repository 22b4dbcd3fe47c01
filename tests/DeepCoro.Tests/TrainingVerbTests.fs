/// The training runtime's remaining paths: early stopping, gradient accumulation, RAdam, view ids, the per-study
/// file layout, .safetensors and float16 embeddings, and the eval and predict verbs with their bad inputs.
module DeepCoro.Tests.TrainingVerbTests

open System
open System.IO
open System.Text
open Expecto
open TorchSharp
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Runtime.Training
open DeepCoro.Runtime.Sweeps
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.TrainingTests

let private manifestOf dir = Path.Combine(dir, "manifest.csv")

/// The manifest's header and its rows split into fields.
let private rows dir =
    let lines = File.ReadAllLines(manifestOf dir)
    lines.[0], lines.[1..] |> Array.map (fun l -> l.Split 'α')

let private writeManifest (path: string) (header: string) (rows: string[][]) =
    File.WriteAllLines(path, Array.append [| header |] (rows |> Array.map (fun f -> String.Join("α", f))))

/// A copy of a config reading another manifest (and any further edit).
let private configFor (config: string) (name: string) (edit: string -> string) =
    let path = Path.Combine(Path.GetDirectoryName config, name)
    File.WriteAllText(
        path,
        edit ((File.ReadAllText config).Replace("manifest: manifest.csv", "manifest: " + Path.ChangeExtension(name, ".csv")))
    )
    path

let private writeNpy (path: string) (data: float32[]) (shape: int64[]) =
    use s = File.Create path
    Npy.WriteFloat32(s, ReadOnlySpan data, shape)

/// A float16 .npy (numpy's '<f2'), written by hand: the project writes only float32.
let private writeNpyHalf (path: string) (data: float32[]) (shape: int64[]) =
    let header = sprintf "{'descr': '<f2', 'fortran_order': False, 'shape': (%s), }" (String.Join(", ", shape))
    let header = header.PadRight(header.Length + (64 - (10 + header.Length + 1) % 64) % 64) + "\n"
    use s = File.Create path
    s.Write(Encoding.Latin1.GetBytes "\u0093NUMPY", 0, 6)
    s.WriteByte 1uy
    s.WriteByte 0uy
    s.Write(BitConverter.GetBytes(uint16 header.Length), 0, 2)
    let text = Encoding.Latin1.GetBytes header
    s.Write(text, 0, text.Length)
    let half: Half[] = data |> Array.map (fun x -> Half.op_Explicit x)
    s.Write(Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan half))

/// Every batch of a pass as (values, mask, view ids).
let private pass (data: Dataset) (studies: Collections.Generic.IReadOnlyList<Study>) training = [
    for b in data.Pass(studies, training, 7, 1) do
        let values = b.Values.ToArray()
        b.Release()
        values, b.Mask, b.ViewIds
]

let private openData config (split: string) =
    let c = DeepCoro.Config.TrainConfig.load config
    c, Dataset.Open(c.Spec, c.Data, split)

/// Records the observer's notes.
type private Notes() =
    let notes = ResizeArray<string>()
    member _.All = List.ofSeq notes
    interface ITrainingObserver with
        member _.Started(_, _, _, _) = ()
        member _.Batch(_, _, _, _) = ()
        member _.Evaluating(_, _) = ()
        member _.EpochEnded(_, _, _) = ()
        member _.Note(message) = notes.Add message

/// Expects `deepcoro args` to fail with exit code 1 and every fragment in its one error line.
let private failsWith (args: string list) (fragments: string list) =
    let code, _, err = CliTests.deepcoro args
    Expect.equal code 1 (sprintf "exit code; stderr: %s" err)
    for f in fragments do
        Expect.stringContains err f "message"

[<Tests>]
let optimizationTests =
    testList "training options" [
        test "training.cls_kernel picks the cls kernel a run trains with; the default stores nothing in a checkpoint" {
            let _, fusedConfig = dataset 24 1 id
            let _, batchedConfig = dataset 24 1 (fun t -> t + "  cls_kernel: batched\n")
            let fused = DeepCoro.Config.TrainConfig.load fusedConfig
            let batched = DeepCoro.Config.TrainConfig.load batchedConfig
            Expect.equal fused.Train.Kernel DeepCoro.Runtime.Blocks.ClsKernel.Fused "the default"
            Expect.equal batched.Train.Kernel DeepCoro.Runtime.Blocks.ClsKernel.Batched "as written"
            let canonical (c: DeepCoro.Config.TrainConfig.TrainConfig) = RunOptions.Canonical(c.Train, c.Data, tempDir ())
            // checkpoints written before the key existed hold neither, and still resume at the defaults
            Expect.isFalse ((canonical fused).Contains "Train.Kernel") "the default kernel is not recorded"
            Expect.isFalse ((canonical fused).Contains "Data.TokenDtype") "the default token dtype is not recorded"
            Expect.stringContains (canonical batched) "\"Train.Kernel\"" "another kernel is, so a resume with a different one is refused"
            let r = trainRun batchedConfig (Path.Combine(tempDir (), "run")) false (Notes())
            Expect.equal r.EpochsRun 1 "a run trains with the batched kernel"
            let _, unknown = dataset 24 1 (fun t -> t + "  cls_kernel: fastest\n")
            try
                DeepCoro.Config.TrainConfig.load unknown |> ignore
                failtest "expected a ConfigError"
            with :? DeepCoro.Config.ConfigError.ConfigError as e ->
                match e.Diagnostics |> List.map string with
                | [ line ] -> Expect.stringContains line "cls_kernel: 'fastest' is not one of fused, batched, reference" "one line"
                | lines -> failtestf "expected one error, got %A" lines
        }
        test "early stopping: patience 2 stops after epoch 3 of 10 and says so" {
            // min_delta so large that only the first epoch (against +inf) counts as an improvement
            let _, config = dataset 30 10 (fun t -> t + "  patience: 2\n  min_delta: 1000000\n")
            let run = Path.Combine(tempDir (), "run")
            let notes = Notes()
            let r = trainRun config run false notes
            Expect.isTrue r.StoppedEarly "stopped early"
            Expect.equal r.EpochsRun 3 "epochs run"
            Expect.equal r.BestEpoch 1 "best epoch (counted from 1)"
            Expect.contains notes.All "early stop after epoch 3: val/main_loss has not improved for 2 epochs" "the note"
            Expect.equal (File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length) 3 "one metrics line per epoch run"
            Expect.stringContains (File.ReadAllText(Path.Combine(run, "summary.json"))) "\"stopped_early\": true" "summary"
        }
        test "gradient accumulation: 2 steps of batch 4 == 1 step of batch 8 (no dropout)" {
            let dir, config = dataset 24 2 id
            // exactly 16 training studies, every label present: each
            // optimizer step averages the same 8 studies either way
            let header, fields = rows dir
            let trainIds = fields |> Array.map (fun f -> f.[0]) |> Array.distinct |> Array.take 16 |> set
            for f in fields do
                f.[1] <- if trainIds.Contains f.[0] then "train" else "val"
                if f.[3] = "" then
                    f.[3] <- "0.55"
                if f.[4] = "" then
                    f.[4] <- "1"
            writeManifest (manifestOf dir) header fields
            // eps 1 keeps Adam's update smooth in the gradient, so float rounding cannot flip a near-zero update's
            // sign and a gradient twice too large shows; no clipping, which would hide that too
            let variant batch accum =
                configFor config (sprintf "b%d.yaml" batch) (fun t ->
                    t
                        .Replace("dropout: 0.1", "dropout: 0.0")
                        .Replace("batch_size: 16", sprintf "batch_size: %d" batch)
                        .Replace("name: adamw", "name: adamw\n  eps: 1.0")
                        .Replace("max_grad_norm: 100.0", "max_grad_norm: null")
                    + sprintf "  gradient_accumulation_steps: %d\n" accum)
            File.Copy(manifestOf dir, Path.Combine(dir, "b4.csv"))
            File.Copy(manifestOf dir, Path.Combine(dir, "b8.csv"))
            let runOf config =
                let run = Path.Combine(tempDir (), "run")
                trainRun config run false silent |> ignore
                Path.Combine(run, "checkpoint.safetensors")
            let accumulated, whole = runOf (variant 4 2), runOf (variant 8 1)
            Expect.equal (Safetensors.ReadHeader(accumulated).Metadata.["step"]) "4" "2 epochs x 2 optimizer steps"
            Expect.equal (Safetensors.ReadHeader(whole).Metadata.["step"]) "4" "2 epochs x 2 optimizer steps"
            use _ = torch.NewDisposeScope()
            let a, b = Safetensors.Load accumulated, Safetensors.Load whole
            for k in a.Keys |> Seq.filter (fun k -> k.StartsWith "model.") do
                let d = (a.[k] - b.[k]).abs().max().item<float32>()
                Expect.isLessThanOrEqual (float d) 1e-5 k
        }
        test "RAdam: seven steps equal torch.optim.RAdam 1.13 (plain steps, rectified from step 6)" {
            use _ = torch.NewDisposeScope()
            let p = torch.nn.Parameter(torch.tensor ([| 0.5f; -1.0f |]))
            let group = ParameterGroup("g", Collections.Generic.List [ struct ("p", p) ], 0.1, 0.01)
            use optimizer =
                new AdamOptimizer(ResizeArray [ group ], OptimizerOptions(Kind = OptimizerKind.RAdam, Beta1 = 0.9, Beta2 = 0.9, Eps = 1e-8))
            // torch.optim.RAdam([p], lr=0.1, betas=(0.9, 0.9), eps=1e-8, weight_decay=0.01), float64, gradients g_t =
            // (1, -2)(1 + t/2);
            // step 1 by hand: 0.5 - 0.1 (1.5 + 0.01 * 0.5) = 0.3495
            let expected = [
                0.3495, -0.699
                0.17276342105263154, -0.3455268421052631
                -0.031071380947756966, 0.06214276189551393
                -0.2628602761783472, 0.5257205523566943
                -0.5234514581646287, 1.0469029163292574
                -0.5479592586128402, 1.0714107168367082
                -0.5795221655192112, 1.1029735588512677
            ]
            expected
            |> List.iteri (fun i (e0, e1) ->
                let t = float (i + 1)
                optimizer.ZeroGrad()
                (p * torch.tensor ([| float32 (1.0 + 0.5 * t); float32 (-2.0 * (1.0 + 0.5 * t)) |])).sum().backward()
                optimizer.Step 1.0
                close 1e-5 (float (p.[0L].item<float32>())) e0 (sprintf "step %d, p[0]" (i + 1))
                close 1e-5 (float (p.[1L].item<float32>())) e1 (sprintf "step %d, p[1]" (i + 1)))
        }
        test "metrics.jsonl logs the base lr as lr and every group's as lr/<group>" {
            let _, config =
                dataset 30 1 (fun t ->
                    t
                        .Replace("name: cosine_with_warmup", "name: constant")
                        .Replace("head_lr: 0.003", "head_lr: {cathEF: 0.01}")
                        .Replace("attention_across_lr: 0.003", "attention_across_lr: 0.02"))
            let run = Path.Combine(tempDir (), "run")
            trainRun config run false silent |> ignore
            let row = Text.Json.JsonDocument.Parse(File.ReadLines(Path.Combine(run, "metrics.jsonl")) |> Seq.head).RootElement
            let lr key = row.GetProperty(key: string).GetDouble()
            Expect.equal (lr "lr") 0.003 "optimizer.lr"
            Expect.equal (lr "lr/head/cathEF") 0.01 "head_lr.cathEF"
            Expect.equal (lr "lr/head/abnormal") 0.003 "abnormal falls back to lr"
            Expect.equal (lr "lr/cls_across") 0.02 "attention_across_lr"
        }
        test "a monitored metric NaN in every epoch: train says no epoch improved" {
            let dir, config = dataset 30 2 (fun t -> t.Replace("monitor: val/main_loss", "monitor: val/cathEF_mse"))
            let header, fields = rows dir
            for f in fields do
                if f.[1] = "val" then
                    f.[3] <- ""
            writeManifest (manifestOf dir) header fields
            let run = Path.Combine(tempDir (), "run")
            let code, out, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run ]
            Expect.equal code 0 err
            Expect.stringContains out "no epoch improved val/cathEF_mse" "the summary line"
            Expect.isFalse (out.Contains "best epoch 0") "no epoch 0"
            Expect.stringContains (File.ReadAllText(Path.Combine(run, "summary.json"))) "\"best_epoch\": null" "summary.json"
        }
        test "RAdam trains a run end to end" {
            let _, config = dataset 30 2 (fun t -> t.Replace("name: adamw", "name: radam"))
            let r = trainRun config (Path.Combine(tempDir (), "run")) false silent
            Expect.isTrue (Double.IsFinite r.Metrics.["val/main_loss"]) "finite loss"
        }
    ]

[<Tests>]
let dataLayoutTests =
    testList "training data layouts" [
        test "a manifest view column reaches the view embedding; a view id out of range is named" {
            let dir, config =
                dataset 20 1 (fun t ->
                    t
                        .Replace("pooling_mode: cls_token", "pooling_mode: cls_token\n  num_view_classes: 3")
                        .Replace("path_column: FileName", "path_column: FileName\n  view_column: View"))
            let header, fields = rows dir
            let withViews (view: int -> string) =
                writeManifest (manifestOf dir) (header + "αView") (fields |> Array.mapi (fun i f -> Array.append f [| view i |]))
            let predict () =
                let c, data = openData config "train"
                let long = data.Studies.Train |> Seq.find (fun s -> s.VideoCount >= 2)
                let short = data.Studies.Train |> Seq.find (fun s -> s.VideoCount = 1)
                let batch = data.Loader.Build [| Pick(long, Array.init long.VideoCount id); Pick(short, [| 0 |]) |]
                let n = int batch.Shape.[1]
                let ids = Array.copy batch.ViewIds
                torch.random.manual_seed 5L |> ignore
                use model = new MilModel(DeepCoro.Spec.ModelPlan.Of c.Spec)
                model.eval ()
                use _ = torch.no_grad ()
                let out = model.forward (Trainer.Inputs(batch, torch.CPU))
                ids, n, long, out.["cathEF"].[0L].item<float32>()
            withViews (fun i -> string (i % 3))
            let ids, n, long, first = predict ()
            for j in 0 .. long.VideoCount - 1 do
                Expect.equal ids.[j] (int64 ((long.Videos.[j].Line - 2) % 3)) (sprintf "video %d's view id is its manifest row's" j)
            Expect.equal ids.[n + 1] 3L "padding videos get the padding id V = 3"
            withViews (fun i -> string ((i + 1) % 3))
            let _, _, _, shifted = predict ()
            Expect.isGreaterThan (abs (float (shifted - first))) 1e-4 "other view ids, other prediction"
            withViews (fun i -> if i = 1 then "3" else "0")
            failsWith [ "train"; "--config"; config; "--output"; Path.Combine(dir, "run") ] [
                manifestOf dir + ":3: view id '3' (View) is not an integer in [0, 2]"
            ]
        }
        test "data.layout: study reads the same batches as one file per video" {
            let dir, config = dataset 24 1 id
            let header, fields = rows dir
            let studies = fields |> Array.groupBy (fun f -> f.[0])
            for (id, videos) in studies do
                let data = videos |> Array.collect (fun f -> (Npy.Read(Path.Combine(dir, f.[2]))).Data)
                writeNpy (Path.Combine(dir, id + ".npy")) data [| int64 videos.Length; 4L; 16L |]
            writeManifest
                (Path.Combine(dir, "studies.csv"))
                header
                (studies |> Array.map (fun (id, videos) -> Array.updateAt 2 (id + ".npy") videos.[0]))
            let perStudy =
                configFor config "studies.yaml" (fun t -> t.Replace("path_column: FileName", "path_column: FileName\n  layout: study"))
            let _, byVideo = openData config "train"
            let _, byStudy = openData perStudy "train"
            Expect.sequenceEqual
                (byStudy.Studies.Train |> Seq.map (fun s -> s.VideoCount))
                (byVideo.Studies.Train |> Seq.map (fun s -> s.VideoCount))
                "video counts"
            for training in [ true; false ] do
                let a, b = pass byVideo byVideo.Studies.Train training, pass byStudy byStudy.Studies.Train training
                Expect.equal b.Length a.Length "batches"
                for ((xa, ma, _), (xb, mb, _)) in List.zip a b do
                    Expect.sequenceEqual mb ma "mask"
                    Expect.sequenceEqual xb xa "values"
        }
        test ".safetensors and float16 .npy embeddings read as their float32 .npy" {
            let dir, config = dataset 24 1 id
            let header, fields = rows dir
            let mixed =
                fields
                |> Array.mapi (fun i f ->
                    let source = Npy.Read(Path.Combine(dir, f.[2]))
                    match i % 3 with
                    | 1 ->
                        use t = torch.tensor (source.Data, ReadOnlySpan source.Shape)
                        let name = Path.ChangeExtension(f.[2], ".safetensors")
                        Safetensors.Save(Path.Combine(dir, name), [ Collections.Generic.KeyValuePair("embedding", t) ])
                        Array.updateAt 2 name f
                    | 2 ->
                        let name = Path.ChangeExtension(f.[2], ".f16.npy")
                        writeNpyHalf (Path.Combine(dir, name)) source.Data source.Shape
                        Array.updateAt 2 name f
                    | _ -> f)
            writeManifest (Path.Combine(dir, "mixed.csv")) header mixed
            let _, npy = openData config "val"
            let _, other = openData (configFor config "mixed.yaml" id) "val"
            let a, b = pass npy npy.Studies.Val false, pass other other.Studies.Val false
            Expect.equal b.Length a.Length "batches"
            let mutable rounded = 0
            for ((xa, _, _), (xb, _, _)) in List.zip a b do
                for i in 0 .. xa.Length - 1 do
                    // float16 keeps 11 significant bits: relative error at most 2^-11
                    if abs (xb.[i] - xa.[i]) > 1e-3f * abs xa.[i] + 1e-7f then
                        failtestf "value %d: %g, expected %g" i xb.[i] xa.[i]
                    if xb.[i] <> xa.[i] then
                        rounded <- rounded + 1
            Expect.isGreaterThan rounded 0 "the float16 files were read (their values are rounded)"
        }
    ]

[<Tests>]
let verbTests =
    testList "eval and predict verbs" [
        test "eval prints the best model's metrics; predict writes one row per study; bad inputs are named" {
            let dir, config = dataset 30 2 id
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run ]
            Expect.equal code 0 err
            let metrics =
                Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement.GetProperty "metrics"
            let code, out, err = CliTests.deepcoro [ "eval"; "--run"; run; "--split"; "val" ]
            Expect.equal code 0 err
            // the same weights and batches as the run's final evaluation: the same numbers, as printed
            for key in [ "val/cathEF_mse"; "val/cathEF_mae"; "val/abnormal_loss" ] do
                Expect.stringContains
                    out
                    (metrics.GetProperty(key).GetDouble().ToString("0.0000", Globalization.CultureInfo.InvariantCulture))
                    key

            let csv = Path.Combine(tempDir (), "predictions.csv")
            let code, stdout, err = CliTests.deepcoro [ "predict"; "--run"; run; "--manifest"; manifestOf dir; "--output"; csv ]
            Expect.equal code 0 err
            let header, fields = rows dir
            let studies = fields |> Array.map (fun f -> f.[0]) |> Array.distinct
            Expect.stringContains stdout (sprintf "%d studies" studies.Length) "count"
            let lines = File.ReadAllLines csv
            Expect.equal lines.[0] "study_id,split,videos,cathEF,cathEF_pred,abnormal,abnormal_prob" "header"
            Expect.equal (lines.[1..] |> Array.map (fun l -> l.Split(',').[0]) |> set) (set studies) "one row per study"
            let predictions (path: string) =
                File.ReadAllLines path |> Array.skip 1 |> Array.map (fun l -> let f = l.Split ',' in f.[0], float f.[6]) |> Map.ofArray
            let fromRun, fromPredict = predictions (Path.Combine(run, "predictions_val.csv")), predictions csv
            for KeyValue(id, p) in fromRun do
                close 1e-5 fromPredict.[id] p id

            failsWith [ "eval"; "--run"; dir ] [ dir; "not a run directory" ]
            failsWith [ "eval"; "--run"; run; "--split"; "dev" ] [ "--split dev: expected train, val or test" ]
            failsWith [ "eval"; "--run"; run; "--weights"; "/nonexistent/w.safetensors" ] [ "/nonexistent/w.safetensors: file not found" ]
            let bad = Path.Combine(dir, "bad.csv")
            let failed = Path.Combine(tempDir (), "failed.csv")
            failsWith [ "predict"; "--run"; run; "--manifest"; "/nonexistent/m.csv"; "--output"; failed ] [
                "/nonexistent/m.csv: manifest not found"
            ]
            writeManifest bad (header.Replace("FileName", "File")) fields
            failsWith [ "predict"; "--run"; run; "--manifest"; bad; "--output"; failed ] [
                "column 'FileName' (data.path_column, datapoint_loc_label) not found"
                "did you mean 'File'?"
            ]
            writeManifest bad header (fields |> Array.mapi (fun i f -> if i = 0 then Array.updateAt 2 "missing.npy" f else f))
            failsWith [ "predict"; "--run"; run; "--manifest"; bad; "--output"; failed ] [ Path.Combine(dir, "missing.npy"); "not found" ]
            Expect.isFalse (File.Exists failed) "no predictions file from a failed predict"
        }
        test "eval and predict use the run's own copy of the config: a moved run still evaluates after its config changed" {
            let dir, config = dataset 30 1 id
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run ]
            Expect.equal code 0 err
            let copy = File.ReadAllText(Path.Combine(run, "config.yaml"))
            Expect.stringContains copy ("manifest: " + manifestOf dir) "the manifest path made absolute"
            // the original config now describes another model, and the run lives elsewhere
            File.WriteAllText(config, (File.ReadAllText config).Replace("abnormal: 1\n", "abnormal: 3\n"))
            let moved = Path.Combine(tempDir (), "moved")
            Directory.Move(run, moved)
            let code, out, err = CliTests.deepcoro [ "eval"; "--run"; moved; "--split"; "val" ]
            Expect.equal code 0 err
            let metrics =
                Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(moved, "summary.json"))).RootElement.GetProperty "metrics"
            Expect.stringContains
                out
                (metrics.GetProperty("val/cathEF_mse").GetDouble().ToString("0.0000", Globalization.CultureInfo.InvariantCulture))
                "the run's numbers"
        }
        test "predict resolves a new manifest's relative paths against its own folder, or --root" {
            let dir, config = dataset 30 1 (fun t -> t.Replace("  tokens: 4", "  root: .\n  tokens: 4"))
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run ]
            Expect.equal code 0 err
            // the data moves: the training root no longer holds the embeddings
            let moved = Path.Combine(tempDir (), "moved")
            Directory.Move(dir, moved)
            let csv = Path.Combine(tempDir (), "p.csv")
            let code, _, err = CliTests.deepcoro [ "predict"; "--run"; run; "--manifest"; manifestOf moved; "--output"; csv ]
            Expect.equal code 0 err
            let elsewhere = Path.Combine(tempDir (), "m.csv")
            File.Copy(manifestOf moved, elsewhere)
            let code, _, err = CliTests.deepcoro [ "predict"; "--run"; run; "--manifest"; elsewhere; "--root"; moved; "--output"; csv ]
            Expect.equal code 0 err
        }
    ]

[<Tests>]
let sweepTests =
    testList "training and sweeps" [
        test "the sweep reads the trainer's metrics.jsonl with epoch 1 as the first, as its hyperband rungs count" {
            let _, config = dataset 30 2 id
            let run = Path.Combine(tempDir (), "run")
            trainRun config run false silent |> ignore
            let store, sweepConfig =
                SweepHarness.create "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-3]}\n" 1 0
            let sweep = sweepConfig.Sweep
            // the trial is the finished run: its log read by the sweep's own tail reader
            let launcher = {
                new ITrialLauncher with
                    member _.Start(_) =
                        let tail = JsonlTail(Path.Combine(run, "metrics.jsonl"))
                        {
                            new IRunningTrial with
                                member _.ProcessId = Nullable()
                                member _.ProcessStart = null
                                member _.WaitForExit(_) = true
                                member _.ExitCode = 0
                                member _.ReadNewRows() = tail.ReadNew()
                                member _.FailureDetail() = ""
                                member _.Kill() = ()
                                member _.Dispose() = ()
                        }
            }
            SweepAgent(store, sweepConfig, Suggesters.For(sweep, 0), SweepHarness.anyConfig, launcher, SweepHarness.options None)
                .Run(Threading.CancellationToken.None)
            |> ignore
            let record = SweepHarness.recordsOf store.Dir |> Seq.exactlyOne
            Expect.sequenceEqual (record.Epochs |> Seq.map (fun e -> e.Epoch)) [ 1; 2 ] "epochs as the sweep counts them"
            let firstLoss =
                Text.Json.JsonDocument
                    .Parse((File.ReadLines(Path.Combine(run, "metrics.jsonl")) |> Seq.head))
                    .RootElement.GetProperty("val/main_loss")
                    .GetDouble()
            Expect.equal (record.BestUpTo(1, sweep.Metric).Value) firstLoss "the rung at epoch 1 judges the first epoch"
            let summary = Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement
            Expect.equal (summary.GetProperty("best_epoch").GetInt32()) record.BestEpoch.Value "summary.json's best epoch"
            Expect.equal
                (Safetensors.ReadHeader(Path.Combine(run, "best.safetensors")).Metadata.["epoch"])
                (string record.BestEpoch.Value)
                "best.safetensors' epoch"
        }
    ]

[<Tests>]
let recoveryTests =
    testList "training recovery" [
        test "--resume drops a half-written last metrics line and continues" {
            let _, config = dataset 30 3 id
            let run = Path.Combine(tempDir (), "run")
            Expect.throws (fun () -> trainRun config run false (StopAfter 1) |> ignore) "killed after epoch 1"
            let log = Path.Combine(run, "metrics.jsonl")
            // the kill landed while epoch 2's line was being appended
            File.AppendAllText(log, "{\"epoch\":2,\"step\":4,\"train/ca")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--resume" ]
            Expect.equal code 0 err
            let epochs =
                File.ReadAllLines log |> Array.map (fun l -> Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32())
            Expect.sequenceEqual epochs [ 1; 2; 3 ] "one whole line per epoch"
        }
        test "a truncated or foreign checkpoint fails --resume with one line naming it" {
            let _, config = dataset 30 2 id
            let run = Path.Combine(tempDir (), "run")
            Expect.throws (fun () -> trainRun config run false (StopAfter 1) |> ignore) "killed after epoch 1"
            let checkpoint = Path.Combine(run, "checkpoint.safetensors")
            let bytes = File.ReadAllBytes checkpoint
            let resumeFails (fragment: string) =
                let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--resume" ]
                Expect.equal code 1 (sprintf "exit code; stderr: %s" err)
                Expect.stringContains err ("error: " + checkpoint) "one line naming the file"
                Expect.stringContains err fragment "says what is wrong"
                Expect.isFalse (err.Contains "   at ") (sprintf "no stack trace: %s" err)
            File.WriteAllBytes(checkpoint, bytes.[..19])
            resumeFails "truncated"
            File.WriteAllBytes(checkpoint, bytes.[.. bytes.Length / 2])
            resumeFails "truncated"
            Safetensors.Save(checkpoint, [ Collections.Generic.KeyValuePair("x", torch.zeros (1L)) ])
            resumeFails "not a training checkpoint"
        }
        test "--resume refuses other training options; another --epochs resumes with a warning" {
            let _, config = dataset 30 2 id
            let run = Path.Combine(tempDir (), "run")
            Expect.throws (fun () -> trainRun config run false (StopAfter 1) |> ignore) "killed after epoch 1"
            let text = File.ReadAllText config
            File.WriteAllText(config, text.Replace("batch_size: 16", "batch_size: 8").Replace("seed: 7", "seed: 8"))
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--resume" ]
            Expect.equal code 1 err
            for f in [ "training options differ from the checkpoint's"; "Data.BatchSize 16 -> 8"; "Train.Seed 7 -> 8" ] do
                Expect.stringContains err f "the differences"
            File.WriteAllText(config, text)
            let code, out, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--resume"; "--epochs"; "3" ]
            Expect.equal code 0 err
            Expect.stringContains out "planned for 2 epochs, now 3: the schedule's horizon changes" "the warning"
            Expect.equal (File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length) 3 "epochs 1-3"
        }
        test "Checkpoint.Load disposes what it read when the model does not match" {
            let _, config = dataset 30 1 id
            let run = Path.Combine(tempDir (), "run")
            trainRun config run false silent |> ignore
            let checkpoint = Path.Combine(run, "checkpoint.safetensors")
            let other =
                (DeepCoro.Config.TrainConfig.parse config ((File.ReadAllText config).Replace("abnormal: 1\n", "abnormal: 2\n"))).Spec
            use model = new MilModel(DeepCoro.Spec.ModelPlan.Of other)
            let options = OptimizerOptions()
            use optimizer = new AdamOptimizer(ParameterGroups.Of(model.Plan, model, options), options)
            let spec = Safetensors.ReadHeader(checkpoint).Metadata.["spec"]
            let before = DisposeScopeManager.Statistics.ThreadTotalLiveCount
            let options = Safetensors.ReadHeader(checkpoint).Metadata.["options"]
            Expect.throwsT<StateDictException>
                (fun () -> Checkpoint.Load(checkpoint, model, optimizer, spec, options) |> ignore)
                "another model"
            Expect.equal DisposeScopeManager.Statistics.ThreadTotalLiveCount before "live tensors"
        }
    ]

[<Tests>]
let demoTests =
    testList "demo verb" [
        test "demo --output replaces only an empty folder or one it wrote; any other folder is refused, untouched" {
            let out = Path.Combine(tempDir (), "demo")
            let demo () = CliTests.deepcoro [ "demo"; "--output"; out; "--studies"; "30"; "--epochs"; "1" ]
            let code, _, err = demo ()
            Expect.equal code 0 err
            let code, _, err = demo ()
            Expect.equal code 0 (sprintf "a folder demo wrote is replaced: %s" err)
            let mine = tempDir ()
            File.WriteAllText(Path.Combine(mine, "thesis.tex"), "precious")
            let code, _, err = CliTests.deepcoro [ "demo"; "--output"; mine; "--studies"; "30"; "--epochs"; "1" ]
            Expect.equal code 1 err
            Expect.stringContains err (sprintf "--output %s: the folder is not empty and was not written by demo" mine) "the message"
            Expect.equal (File.ReadAllText(Path.Combine(mine, "thesis.tex"))) "precious" "the user's file survives"
        }
    ]

/// The steps of the scalar events in a run's TensorBoard files (TFRecord frames around Event protos).
/// The protobuf fields of a message: (field number, varint value, length-delimited bytes); fixed-width fields skipped
/// except that a fixed32 is reported with its number (a scalar's simple_value).
let private fields (data: byte[]) =
    let mutable i = 0
    let varint () =
        let mutable v, shift, go = 0UL, 0, true
        while go do
            let b = data.[i]
            i <- i + 1
            v <- v ||| (uint64 (b &&& 0x7Fuy) <<< shift)
            shift <- shift + 7
            go <- b &&& 0x80uy <> 0uy
        v
    [
        while i < data.Length do
            let key = int (varint ())
            match key &&& 7 with
            | 0 -> yield key >>> 3, varint (), [||]
            | 1 -> i <- i + 8
            | 5 ->
                i <- i + 4
                yield key >>> 3, 0UL, [||]
            | _ ->
                let n = int (varint ())
                yield key >>> 3, 0UL, data.[i .. i + n - 1]
                i <- i + n
    ]

/// The step of every TensorBoard event holding scalars (Event.summary's values with a simple_value; histograms of
/// the same epoch are events of their own).
let private boardSteps (run: string) = [
    for file in Directory.GetFiles(Path.Combine(run, "tensorboard")) do
        let bytes = File.ReadAllBytes file
        let mutable at = 0
        while at < bytes.Length do
            let length = int (BitConverter.ToUInt64(bytes, at))
            let data = bytes.[at + 12 .. at + 12 + length - 1]
            at <- at + 16 + length
            let event = fields data
            let step = event |> List.tryPick (fun (n, v, _) -> if n = 2 then Some(int64 v) else None) |> Option.defaultValue 0L
            let scalars =
                event
                |> List.exists (fun (n, _, summary) ->
                    n = 5
                    && fields summary |> List.exists (fun (m, _, value) -> m = 1 && fields value |> List.exists (fun (k, _, _) -> k = 2)))
            if scalars then
                yield step
]

[<Tests>]
let boardTests =
    testList "training tensorboard" [
        test "after --resume TensorBoard holds each kept epoch once, as metrics.jsonl" {
            let _, config = dataset 30 3 id
            let run = Path.Combine(tempDir (), "run")
            let checkpoint = Path.Combine(run, "checkpoint.safetensors")
            // killed after epoch 2 logged its metrics, with the checkpoint of epoch 1 the last one on disk
            let backup = Path.Combine(tempDir (), "epoch1.safetensors")
            let killer = {
                new ITrainingObserver with
                    member _.Started(_, _, _, _) = ()
                    member _.Batch(_, _, _, _) = ()
                    member _.Evaluating(_, _) = ()
                    member _.EpochEnded(epoch, _, _) =
                        if epoch = 1 then File.Copy(checkpoint, backup) else raise (OperationCanceledException "killed")
                    member _.Note(_) = ()
            }
            Expect.throws (fun () -> trainRun config run false killer |> ignore) "killed after epoch 2"
            File.Copy(backup, checkpoint, true)
            Expect.equal (boardSteps run) [ 1L; 2L ] "before the resume"
            trainRun config run true silent |> ignore
            Expect.equal (boardSteps run |> List.sort) [ 1L; 2L; 3L ] "each epoch once"
            Expect.equal (File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length) 3 "metrics.jsonl agrees"
        }
    ]

[<Tests>]
let stepTests =
    testList "training step" [
        test "TrainStep (train's and bench's step): weighted label-masked losses over the group, clipped, one AdamW step" {
            let _, config = dataset 20 1 id
            let c, data = openData config "train"
            let studies = data.Studies.Train |> Seq.take 3 |> Seq.map (fun s -> Pick(s, [| 0 |])) |> Array.ofSeq
            let built = data.Loader.Build studies
            // study 0 has no cathEF label: only studies 1 and 2 enter that head's mean
            let labels = Array.copy built.Labels
            labels.[0] <- nan
            labels.[1 * 2 + 1] <- 1.0
            let batch = StudyBatch(built.Studies, built.X, built.Shape, built.Mask, built.ViewIds, labels, built.Heads)
            torch.random.manual_seed 3L |> ignore
            use model = new MilModel(DeepCoro.Spec.ModelPlan.Of c.Spec)
            model.eval () // no dropout: the reference pass sees the same outputs
            let lr, clip, eps = 0.01, 0.05, 1.0
            let options = OptimizerOptions(Lr = lr, WeightDecay = 0.0, HeadLr = Collections.Generic.Dictionary(), Eps = eps)
            use optimizer = new AdamOptimizer(ParameterGroups.Of(model.Plan, model, options), options)
            let parameters = model.parameters () |> Seq.filter (fun p -> p.requires_grad) |> Array.ofSeq
            // the reference: 30 * mse(cathEF, studies 1-2) + 1 * bce(abnormal, all), halved for a group of 2, by hand
            let expectedGrads =
                use _ = torch.NewDisposeScope()
                let out = model.forward (Trainer.Inputs(batch, torch.CPU))
                let y (h: int) (i: int) = float32 labels.[i * 2 + h]
                let ef: torch.Tensor = out.["cathEF"].select(1, 0L).index_select(0, torch.tensor ([| 1L; 2L |]))
                let mse = (ef - torch.tensor ([| y 0 1; y 0 2 |])).square().mean()
                let z: torch.Tensor = out.["abnormal"].select(1, 0L)
                let bce = torch.nn.functional.binary_cross_entropy_with_logits (z, torch.tensor ([| y 1 0; y 1 1; y 1 2 |]))
                ((mse * 30.0 + bce) / 2.0).backward()
                let grads = parameters |> Array.map (fun p -> p.grad.clone().DetachFromDisposeScope())
                optimizer.ZeroGrad()
                grads
            let before = parameters |> Array.map (fun p -> p.detach().clone())
            let step = TrainStep(model, optimizer, Nullable clip, torch.CPU)
            step.Accumulate(batch, SplitResults(c.Spec.Heads, LossOptions()), 2) |> ignore
            for (p, g) in Array.zip parameters expectedGrads do
                let d = (p.grad - g).abs().max().item<float32>()
                Expect.isLessThanOrEqual (float d) 1e-5 "gradient"
            step.Update 1.0 |> ignore
            // the clipped gradient, then AdamW's first step: p - lr g / (|g| + eps) (bias corrections cancel)
            let norm = expectedGrads |> Array.sumBy (fun g -> float (g.square().sum().item<float32>())) |> sqrt
            Expect.isGreaterThan norm clip "the gradient is clipped"
            for ((p, g), p0) in Array.zip (Array.zip parameters expectedGrads) before do
                use gc = g * (clip / norm)
                use expected = p0 - gc / (gc.abs () + eps) * lr
                let d = (p.detach () - expected).abs().max().item<float32>()
                Expect.isLessThanOrEqual (float d) 1e-6 "parameter after the step"
                Expect.equal (p.grad.abs().max().item<float32>()) 0.0f "zeroed gradient"
            for g in expectedGrads do
                g.Dispose()
        }
    ]
