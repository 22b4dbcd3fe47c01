/// TorchScript encoders and `deepcoro embed`: the tiny scripted encoder (Fixtures/video/tiny_encoder.pt, made by
/// tools/make_video_fixtures.py) against the tokens PyTorch computed, bad encoders named, the reference's freeze
/// rule, and embed's outputs, shards, failure report and resume.
module DeepCoro.Tests.EncoderTests

open System
open System.IO
open Expecto
open TorchSharp
open DeepCoro.Runtime.Encoders
open DeepCoro.Runtime.IO
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.VideoTests

let tinyEncoder = fixture "tiny_encoder.pt"

let load () = ScriptedEncoder.Load(tinyEncoder, torch.CPU)

/// The message of the exception of type 'E that `f` throws.
let messageOf<'E when 'E :> exn> (f: unit -> unit) =
    try
        f ()
        failtestf "expected a %s" typeof<'E>.Name
    with :? 'E as e ->
        e.Message

let encoderError (path: string) = messageOf<EncoderException>(fun () -> (ScriptedEncoder.Load(path, torch.CPU)).Dispose())

/// The tensor "embedding" of an embed output file, as float32.
let embedding (file: string) =
    let t = Safetensors.Load file
    t.["embedding"].to_type(torch.ScalarType.Float32)

/// Stored float16 against PyTorch's float32: within 1e-4 plus float16's rounding (2^-11 relative).
let assertHalfClose (what: string) (expected: torch.Tensor) (actual: torch.Tensor) =
    Expect.sequenceEqual actual.shape expected.shape (sprintf "%s: shape" what)
    let bound = expected.abs () * 4.9e-4 + 1e-4
    let excess = ((actual - expected).abs() - bound).max().item<float32>()
    if excess > 0.0f then
        failtestf "%s: differs by %g more than 1e-4 + 2^-11 |expected|" what excess

/// A folder holding copies of fixture clips under new names, and a reference CSV (separator α) naming them.
let videoFolder (clips: (string * string) list) =
    let dir = tempDir ()
    for source, name in clips do
        File.Copy(fixture source, Path.Combine(dir, name))
    let csv = Path.Combine(dir, "videos.csv")
    File.WriteAllLines(csv, "FileNameαSplitαStudyInstanceUID" :: (clips |> List.mapi (fun i (_, name) -> sprintf "%sαtrainαs%d" name i)))
    dir, csv

let embed (args: string list) = CliTests.deepcoro ("embed" :: "--encoder" :: tinyEncoder :: args)

[<Tests>]
let loadingTests =
    testList "encoder loading" [
        test "the tiny encoder: its cuts, input shape and backbone" {
            use e = load ()
            Expect.sequenceEqual e.InputShape [ 3L; 4L; 32L; 32L ] "exported for 4 frames at 32 x 32"
            Expect.sequenceEqual (e.Cuts |> Seq.map (fun c -> c.ParametersBefore)) [ 3; 27; 53; 77; 101 ] "parameters before each block"
            Expect.equal e.Cuts.[2] (EncoderCut(2, 53, 2, 4, 4)) "the grid after the pooling block"
            Expect.equal e.BackboneParameters.Count 103 "backbone tensors under model."
        }
        test "tokens of the lossless clip equal PyTorch's" {
            let x = expected ()
            use e = load ()
            e.Module.eval ()
            use input = x.["input_stride1"].permute(1L, 0L, 2L, 3L).unsqueeze(0L)
            use tokens = e.Tokens(input)
            assertClose "tokens" (x.["tokens_stride1"].unsqueeze(0L)) tokens
        }
        test "suffix(prefix(x, n)) equals tokens(x) at every cut" {
            use e = load ()
            e.Module.eval ()
            use x = torch.randn ([| 2L; 3L; 4L; 32L; 32L |])
            use whole = e.Tokens(x)
            for cut in e.Cuts do
                use h = e.Prefix(x, cut)
                use split = e.Suffix(h, cut)
                assertClose (sprintf "cut at block %d" cut.Blocks) whole split
        }
        test "a file that is not TorchScript is named as such" {
            let m = encoderError (fixture "bad_pickle.pt")
            Expect.stringContains m "bad_pickle.pt: not a TorchScript module" "what was found"
            Expect.stringContains m "tools/export_encoder.py" "the fix"
            Expect.isFalse (m.Contains '\n') "one line"
        }
        test "a script without the methods lists the missing ones" {
            let m = encoderError (fixture "bad_no_methods.pt")
            Expect.stringContains m "lacks tokens(), prefix(), suffix(), cuts(), input_shape()" "what is missing"
        }
        test "a script with forward only (as torch.jit.script gives): embedding uses forward; fine-tuning names what it lacks" {
            let forwardOnly = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "torch", "forward_only_encoder.pt")
            let expected = Safetensors.Load(Path.ChangeExtension(forwardOnly, ".expected.safetensors"))
            use e = ScriptedEncoder.LoadForEmbedding(forwardOnly, torch.CPU)
            Expect.isNull e.InputShape "no input_shape()"
            Expect.isEmpty e.Cuts "no cuts asked for"
            use tokens = e.Tokens(expected.["x"])
            assertClose "forward(x) equals PyTorch's" expected.["tokens"] tokens
            let m = encoderError forwardOnly
            Expect.stringContains
                m
                "lacks tokens(), prefix(), suffix(), cuts(), input_shape(), which fine-tuning"
                "fine-tuning asks for them"
        }
        test "embed with a forward-only encoder takes frames and size from the flags, and asks for them without" {
            let forwardOnly = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "torch", "forward_only_encoder.pt")
            let dir, _ = videoFolder [ "lossless.avi", "lossless.avi" ]
            let video = Path.Combine(dir, "lossless.avi")
            let run args =
                CliTests.deepcoro ("embed" :: "--encoder" :: forwardOnly :: "--mean" :: "110" :: "--std" :: "40" :: args @ [ video ])
            let code, _, err = run [ "--output"; Path.Combine(dir, "none") ]
            Expect.equal code 1 "refused"
            Expect.stringContains
                err
                "does not say the frames and size it takes (no input_shape(), or an ONNX input whose T, H, W are not fixed); give --frames F and --resize R"
                err
            let out = Path.Combine(dir, "out")
            let code, _, err = run [ "--output"; out; "--frames"; "4"; "--resize"; "32" ]
            Expect.equal code 0 err
            use written = embedding (Path.Combine(out, "lossless.safetensors"))
            Expect.sequenceEqual written.shape [ 32L; 8L ] "4 frames at 32 x 32: 2 x 4 x 4 tokens of 8"
        }
        test "a missing encoder file is named" {
            Expect.stringContains (encoderError (fixture "absent.pt")) "absent.pt: encoder file not found" "named"
        }
        test "an encoder whose tokens have the wrong rank is refused at its first answer" {
            use e = ScriptedEncoder.Load(fixture "bad_wrong_rank.pt", torch.CPU)
            use x = torch.zeros ([| 1L; 3L; 4L; 32L; 32L |])
            let m = messageOf<EncoderException>(fun () -> e.Tokens(x) |> ignore)
            Expect.stringContains m "tokens() returned [1, 3, 4, 32, 32] for a batch of 1; expected [B, L, D] or [B, D]" "shape named"
        }
    ]

[<Tests>]
let freezeTests =
    testList "freeze rule" [
        // the tiny encoder has 103 backbone tensors; blocks start after 3 (the stem), 27, 53, 77 and 101 of them
        for ratio, trainable, blocks in [ 0.0, 0, 4; 0.5, 51, 1; 0.76, 78, 0; 0.8, 82, 0; 0.92, 94, 0; 0.97, 99, 0 ] do
            test (
                sprintf "ratio %g trains int(%g x 103) = %d tensors from the top; the cut lies below block %d" ratio ratio trainable blocks
            ) {
                use e = load ()
                let plan = FreezeRule.Plan(ratio, e.BackboneParameters.Count, e.Cuts)
                Expect.equal plan.TrainableTensors trainable "int(ratio x count)"
                Expect.equal plan.Cut.Blocks blocks "deepest cut with every parameter below it frozen"
                FreezeRule.Apply(e, plan)
                let flags = e.Module.named_parameters () |> Seq.map (fun struct (n, p) -> n, p.requires_grad) |> List.ofSeq
                let backbone = flags |> List.filter (fun (n, _) -> n.StartsWith "model.")
                Expect.equal (backbone |> List.filter snd |> List.length) trainable "trainable backbone tensors"
                Expect.isTrue (backbone |> List.skip (103 - trainable) |> List.forall snd) "the top ones train"
                Expect.isTrue (flags |> List.filter (fun (n, _) -> n.StartsWith "proj.") |> List.forall snd) "the projection always trains"
            }
        test "exactly 1.0 freezes the whole encoder, projection included, and is warned about" {
            use e = load ()
            let plan = FreezeRule.Plan(1.0, 103, e.Cuts)
            Expect.isTrue plan.WholeEncoderFrozen "the reference's special case"
            FreezeRule.Apply(e, plan)
            Expect.isTrue (e.Module.parameters () |> Seq.forall (fun p -> not p.requires_grad)) "nothing trains"
            Expect.stringContains (FreezeRule.Warning 1.0) "0.99 would train almost all of it" "the warning says why it surprises"
            Expect.isNull (FreezeRule.Warning 0.99) "no warning otherwise"
        }
        test "0.99 would train the stem: refused with the largest ratio that caches" {
            use e = load ()
            let m = messageOf<DeepCoro.Spec.DeepCoroUserException>(fun () -> FreezeRule.Plan(0.99, 103, e.Cuts) |> ignore)
            Expect.stringContains m "video_freeze_ratio: 0.99 trains part of the encoder's stem (its first 3 parameter tensors)" "why"
            Expect.stringContains m "use a ratio below 0.9806" "the fix"
        }
        test "a ratio outside [0, 1] is refused" {
            Expect.throwsT<DeepCoro.Spec.DeepCoroUserException>
                (fun () -> FreezeRule.Plan(1.5, 103, [| EncoderCut(0, 3, 1, 1, 1) |]) |> ignore)
                "above 1"
            Expect.throwsT<DeepCoro.Spec.DeepCoroUserException>
                (fun () -> FreezeRule.Plan(-0.1, 103, [| EncoderCut(0, 3, 1, 1, 1) |]) |> ignore)
                "below 0"
        }
    ]

[<Tests>]
let embedTests =
    testList "embed" [
        test "the lossless clip's file equals PyTorch's tokens (given mean and std, stride 1 and a fixed stride 3)" {
            let x = expected ()
            let dir, _ = videoFolder [ "lossless.avi", "lossless.avi" ]
            let out = Path.Combine(dir, "out")
            let code, _, err = embed [ "--output"; out; "--mean"; "110"; "--std"; "40"; Path.Combine(dir, "lossless.avi") ]
            Expect.equal code 0 err
            assertHalfClose "stride 1" x.["tokens_stride1"] (embedding (Path.Combine(out, "lossless.safetensors")))
            let out3 = Path.Combine(dir, "out3")
            let code, _, err =
                embed [
                    "--output"
                    out3
                    "--mean"
                    "110"
                    "--std"
                    "40"
                    "--stride"
                    "3"
                    "--fixed-stride"
                    Path.Combine(dir, "lossless.avi")
                ]
            Expect.equal code 0 err
            assertHalfClose "fixed stride 3" x.["tokens_stride3"] (embedding (Path.Combine(out3, "lossless.safetensors")))
        }
        test "mean and std computed as the reference computes them give PyTorch's tokens" {
            let x = expected ()
            let dir, csv = videoFolder [ "corrupt.avi", "broken.avi"; "lossless.avi", "clip.avi" ]
            let out = Path.Combine(dir, "out")
            let code, _, err = embed [ "--output"; out; "--csv"; csv ]
            Expect.equal code 0 err
            Expect.stringContains err "dataset statistics from 1 videos" "statistics reported"
            assertHalfClose "computed statistics" x.["tokens_computed_stats"] (embedding (Path.Combine(out, "clip.safetensors")))
        }
        test "a corrupt video is reported with its row, the rest embedded, the run succeeds" {
            let dir, csv =
                videoFolder [
                    "mjpg.avi", "a.avi"
                    "corrupt.avi", "b.avi"
                    "h264.mp4", "c.mp4"
                    "truncated.mp4", "d.mp4"
                    "xvid.avi", "e.avi"
                ]
            let out = Path.Combine(dir, "out")
            let code, stdout, err = embed [ "--output"; out; "--csv"; csv; "--mean"; "100"; "--std"; "50"; "--batch"; "2" ]
            Expect.equal code 0 err
            Expect.stringContains stdout "embedded 3 videos" "three embedded"
            Expect.stringContains stdout "2 videos could not be used" "two counted"
            let failures = File.ReadAllLines(Path.Combine(out, "failures.csv"))
            Expect.equal failures.Length 3 "header and two rows"
            Expect.stringContains failures.[1] "b.avi" "the corrupt one"
            Expect.stringContains failures.[1] "videos.csv:3" "its row"
            Expect.stringContains failures.[2] "videos.csv:5" "the truncated one's row"
            for name in [ "a"; "c"; "e" ] do
                Expect.sequenceEqual (embedding (Path.Combine(out, name + ".safetensors"))).shape [ 33L; 8L ] (name + ": [L, D]")
            let manifest = File.ReadAllLines(Path.Combine(out, "manifest.csv"))
            Expect.equal manifest.Length 4 "header and three rows"
        }
        test "--min-frames reports a too-short video; shorter ones are padded by default" {
            let dir, _ = videoFolder [ "oneframe.avi", "one.avi"; "lossless.avi", "ten.avi" ]
            let out = Path.Combine(dir, "out")
            let code, stdout, err =
                embed [
                    "--output"
                    out
                    "--mean"
                    "100"
                    "--std"
                    "50"
                    "--min-frames"
                    "2"
                    Path.Combine(dir, "one.avi")
                    Path.Combine(dir, "ten.avi")
                ]
            Expect.equal code 0 err
            Expect.stringContains
                (File.ReadAllText(Path.Combine(out, "failures.csv")))
                "too short: 1 frames after the stride, at least 2 wanted"
                "reported"
            let out2 = Path.Combine(dir, "out2")
            let code, stdout2, err = embed [ "--output"; out2; "--mean"; "100"; "--std"; "50"; Path.Combine(dir, "one.avi") ]
            Expect.equal code 0 err
            Expect.stringContains stdout2 "1 shorter than 4 frames padded with their last frame" "padded and counted"
            ignore stdout
        }
        test "--shard i/n: every video embedded by exactly one shard; a run without --shard then writes the whole manifest" {
            let clips = [ for i in 0..6 -> (if i % 2 = 0 then "mjpg.avi" else "xvid.avi"), sprintf "v%d.avi" i ]
            let dir, csv = videoFolder clips
            let out = Path.Combine(dir, "out")
            let rows = [
                for i in 0..2 do
                    let code, _, err =
                        embed [ "--output"; out; "--csv"; csv; "--mean"; "100"; "--std"; "50"; "--shard"; sprintf "%d/3" i; "--resume" ]
                    Expect.equal code 0 err
                    yield!
                        File.ReadAllLines(Path.Combine(out, sprintf "manifest.shard-%d-of-3.csv" i))
                        |> Array.skip 1
                        |> Array.map (fun l -> l.Split(',').[1])
            ]
            Expect.sequenceEqual (List.sort rows) [ for i in 0..6 -> sprintf "v%d.safetensors" i ] "each video once"
            let code, stdout, err = embed [ "--output"; out; "--csv"; csv; "--mean"; "100"; "--std"; "50"; "--resume" ]
            Expect.equal code 0 err
            Expect.stringContains stdout "(0 written, 7 kept from an earlier run)" "every file checked and kept"
            Expect.equal (File.ReadAllLines(Path.Combine(out, "manifest.csv")).Length) 8 "the whole manifest"
        }
        test "--resume never rewrites a good file, deletes half-written ones, redoes a damaged one, refuses another run's" {
            let dir, csv = videoFolder [ "mjpg.avi", "a.avi"; "xvid.avi", "b.avi" ]
            let out = Path.Combine(dir, "out")
            let args = [ "--output"; out; "--csv"; csv; "--mean"; "100"; "--std"; "50" ]
            let code, _, err = embed args
            Expect.equal code 0 err
            let a, b = Path.Combine(out, "a.safetensors"), Path.Combine(out, "b.safetensors")
            let stamp = File.GetLastWriteTimeUtc a
            let good = File.ReadAllBytes a
            // a killed run's temporary, and b cut short as by a failed copy
            let stale = Path.Combine(out, ".b.safetensors.0badc0de.tmp")
            File.WriteAllText(stale, "partial")
            File.WriteAllBytes(b, Array.sub (File.ReadAllBytes b) 0 40)
            let code, stdout, err = embed (args @ [ "--resume" ])
            Expect.equal code 0 err
            Expect.stringContains stdout "(1 written, 1 kept from an earlier run)" "a kept, b redone"
            Expect.stringContains err "b.safetensors: damaged" "the damaged file is named"
            Expect.equal (File.GetLastWriteTimeUtc a) stamp "the good file is not rewritten"
            Expect.sequenceEqual (File.ReadAllBytes a) good "nor changed"
            Expect.isFalse (File.Exists stale) "the half-written temporary is gone"
            Expect.sequenceEqual (embedding b).shape [ 33L; 8L ] "b is whole again"
            let code, _, err = embed [ "--output"; out; "--csv"; csv; "--mean"; "101"; "--std"; "50"; "--resume" ]
            Expect.equal code 1 "another run's files are refused"
            Expect.stringContains err "written by another run (sampling" "what differs"
            Expect.isFalse (err.Trim().Contains '\n') "one line"
            Expect.sequenceEqual (File.ReadAllBytes a) good "and left as they are"
            let code, _, err = embed args
            Expect.equal code 1 "without --resume, an earlier run's folder is refused"
            Expect.stringContains err "pass --resume" "the fix"
        }
        test "bad encoders and bad command lines are one line each" {
            let dir, csv = videoFolder [ "mjpg.avi", "a.avi" ]
            let expectOne (code, _, (err: string)) (exit: int) (fragment: string) =
                Expect.equal code exit err
                Expect.stringContains err fragment "named"
                Expect.isFalse (err.Trim().Contains '\n') (sprintf "one line: %s" err)
            expectOne
                (CliTests.deepcoro [
                    "embed"
                    "--encoder"
                    fixture "bad_pickle.pt"
                    "--output"
                    Path.Combine(dir, "o1")
                    "--csv"
                    csv
                    "--mean"
                    "1"
                    "--std"
                    "1"
                ])
                1
                "not a TorchScript module"
            expectOne
                (embed [ "--output"; Path.Combine(dir, "o2"); "--csv"; csv; "--mean"; "1"; "--std"; "1"; "--frames"; "8" ])
                1
                "was exported for [3, 4, 32, 32]"
            expectOne (embed [ "--output"; Path.Combine(dir, "o3"); "--csv"; csv; "--column"; "Path" ]) 1 "column 'Path' not found"
            expectOne (embed [ "--output"; Path.Combine(dir, "o4"); "--csv"; csv; "--shard"; "3/3" ]) 1 "shard 3/3"
            Expect.equal (let c, _, _ = embed [ "--output"; Path.Combine(dir, "o5") ] in c) 1 "no videos"
            Expect.equal
                (let c, _, _ = CliTests.deepcoro [ "embed"; "--output"; Path.Combine(dir, "o6") ] in c)
                2
                "no --encoder: a bad command line"
        }
        test "--emit-slurm writes an array of shards and a manifest task after them" {
            let dir, csv = videoFolder [ "mjpg.avi", "a.avi" ]
            let slurm = Path.Combine(dir, "slurm")
            let code, stdout, err =
                embed [
                    "--output"
                    "out"
                    "--csv"
                    csv
                    "--mean"
                    "100"
                    "--std"
                    "50"
                    "--emit-slurm"
                    slurm
                    "--shards"
                    "4"
                    "--time"
                    "01:00:00"
                ]
            Expect.equal code 0 err
            let array = File.ReadAllText(Path.Combine(slurm, "embed.sbatch"))
            Expect.stringContains array "#SBATCH --array=0-3" "four tasks"
            Expect.stringContains array "#SBATCH --time=01:00:00" "resources"
            Expect.stringContains array "--shard \"$SLURM_ARRAY_TASK_ID/4\" --resume" "each task its shard"
            Expect.stringContains array (Path.GetFullPath "out") "paths made absolute"
            let exec = array.Split('\n') |> Array.find (fun l -> l.StartsWith "exec ")
            Expect.isFalse (exec.Contains "--emit-slurm" || exec.Contains "--shards") "the task does not emit again"
            Expect.stringContains
                (File.ReadAllText(Path.Combine(slurm, "submit.sh")))
                "--dependency=afterany"
                "the manifest task waits for the array"
            Expect.stringContains stdout "submit:" "says how to submit"
        }
    ]

open DeepCoro.Dsl
open type DeepCoro.Dsl.Dsl
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Model
open DeepCoro.Runtime.Training
open DeepCoro.Runtime.Video

type private Probe = torch.nn.Module<ModelInput, Collections.Generic.OrderedDictionary<string, torch.Tensor>>

/// A probe over the tiny encoder's 8-wide tokens: cls token within each video, mean over videos, one regression head.
let private tinyProbe () =
    hierarchy [ clsToken over tokens |> attentionHeads 2; mean over videos ] |> heads [ regression "y" ] |> model "TinyVideoProbe" 8

/// A training manifest over fixture clips: three studies of 2, 1 and 2 videos (train), one of 1 (val).
let private videoManifest () =
    let dir, _ =
        videoFolder [ "lossless.avi", "a.avi"; "mjpg.avi", "b.avi"; "xvid.avi", "c.avi"; "h264.mp4", "d.mp4"; "corrupt.avi", "e.avi" ]
    let manifest = Path.Combine(dir, "manifest.csv")
    File.WriteAllLines(
        manifest,
        [
            "StudyInstanceUID,Split,FileName,y"
            "s1,train,a.avi,0.5"
            "s1,train,b.avi,0.5"
            "s2,train,c.avi,-1.0"
            "s3,train,d.mp4,2.0"
            "s3,train,a.avi,2.0"
            "s4,val,b.avi,1.0"
            "s5,val,e.avi,3.0"
        ]
    )
    dir, DataOptions(Manifest = manifest, BatchSize = 2, NumVideos = 2, RandomVideosInTraining = false)

let private encoderOptions ratio half =
    EncoderOptions(
        Path = tinyEncoder,
        FreezeRatio = ratio,
        Lr = 1e-3,
        WeightDecay = 0.01,
        Frames = 4,
        Resize = 32,
        DatasetMean = [| 110.0 |],
        DatasetStd = [| 40.0 |],
        HalfPrecisionCache = half
    )

let private quiet = {
    new IEncodingObserver with
        member _.Started(_, _) = ()
        member _.Finished(_, _) = ()
        member _.Note(_) = ()
}

/// The frames of a batch's videos, as the whole-encoder path reads them: X [B, N, 3, T, H, W], padded slots zero.
let private frameBatch (batch: StudyBatch) (videoOf: string -> string) (sampling: FrameSampling) =
    let b, n = batch.Shape.[0], batch.Shape.[1]
    let per = 3L * 4L * 32L * 32L
    let x = Array.zeroCreate<float32>(int (b * n * per))
    batch.Studies
    |> Array.iteri (fun i s ->
        s.Videos
        |> Seq.truncate (int n)
        |> Seq.iteri (fun j v ->
            let decoded = VideoDecoder.Decode(videoOf v.Path, 1)
            use t = FrameSampler.Sample(decoded, sampling.Frames, sampling.Resize, sampling.Mean, sampling.Std)
            t.data<float32>().CopyTo(x, int ((int64 i * n + int64 j) * per))))
    StudyBatch(batch.Studies, x, [| b; n; 3L; 4L; 32L; 32L |], batch.Mask, batch.ViewIds, batch.Labels, batch.Heads)

let private gradients (model: Probe) =
    model.named_parameters () |> Seq.choose (fun struct (k, p) -> if isNull p.grad then None else Some(k, p.grad.clone ())) |> Map.ofSeq

[<Tests>]
let fineTuneTests =
    testList "encoder fine-tuning" [
        for ratio in [ 0.5; 0.0 ] do
            test (sprintf "ratio %g: cached-prefix steps give the whole encoder's losses and gradients over 3 steps" ratio) {
                let dir, data = videoManifest ()
                let spec = tinyProbe ()
                let options = encoderOptions ratio false
                let dataset = EncoderData.Open(spec, data, options, 0, "cpu", quiet, Threading.CancellationToken.None, "train", "val")
                // the cache files stand for these videos
                let videoOf (cache: string) =
                    Directory.GetFiles(dir)
                    |> Array.find (fun v -> Path.GetFileName(cache).StartsWith(Path.GetFileNameWithoutExtension v + "-"))
                let training = TrainOptions(ClipNorm = Nullable 1.0, Encoder = options)
                let optimizer = OptimizerOptions(Lr = 1e-3, WeightDecay = 0.01)
                let plan = DeepCoro.Spec.ModelPlan.Of spec
                torch.manual_seed 5L |> ignore
                use cached = EncoderProbe.Create(plan, options)
                Expect.isTrue (cached :? EncoderProbe) "a cut below the trainable top"
                torch.manual_seed 5L |> ignore
                // the reference's way: the whole encoder on the frames at every step, frozen alike
                use whole = EncoderProbe.WholeEncoder(plan, options)
                let groupsA, groupsB = ParameterGroups.Of(plan, cached, optimizer), ParameterGroups.Of(plan, whole, optimizer)
                Expect.contains (groupsA |> Seq.map (fun g -> g.Name)) "video_encoder" "the encoder's own group"
                use optA = new AdamOptimizer(groupsA, optimizer)
                use optB = new AdamOptimizer(groupsB, optimizer)
                let stepA = TrainStep(cached, optA, training.ClipNorm, torch.CPU)
                let stepB = TrainStep(whole, optB, training.ClipNorm, torch.CPU)
                cached.train ()
                whole.train ()
                let sampling = FrameSampling(Frames = 4, Resize = 32, Mean = 110.0, Std = 40.0)
                let train = dataset.Studies.Train
                for step, picks in [ 1, [ 0; 1 ]; 2, [ 2; 0 ]; 3, [ 1; 2 ] ] do
                    let batch =
                        dataset.Loader.Build(
                            picks |> List.map (fun i -> Pick(train.[i], Array.init (min 2 train.[i].Videos.Count) id)) |> Array.ofList
                        )
                    let frames = frameBatch batch videoOf sampling
                    let lossA = stepA.Accumulate(batch, SplitResults(spec.Heads, training.Loss), 1)
                    let lossB = stepB.Accumulate(frames, SplitResults(spec.Heads, training.Loss), 1)
                    Expect.floatClose { absolute = 1e-5; relative = 1e-5 } lossA lossB (sprintf "step %d: loss" step)
                    let ga, gb = gradients cached, gradients whole
                    Expect.sequenceEqual (Map.keys ga) (Map.keys gb) (sprintf "step %d: the same parameters get gradients" step)
                    // ratio 0 still trains the projection (the reference's rule counts the backbone only)
                    Expect.isTrue (ga.ContainsKey "video_encoder.proj.1.weight") "the projection trains"
                    Expect.equal
                        (ga |> Map.exists (fun k _ -> k.StartsWith "video_encoder.model.blocks"))
                        (ratio > 0.0)
                        "encoder blocks train above 0"
                    for KeyValue(k, g) in ga do
                        assertClose (sprintf "step %d: gradient of %s" step k) gb.[k] g
                    stepA.Update 1.0 |> ignore
                    stepB.Update 1.0 |> ignore
                    batch.Release()
                let frozen =
                    cached.named_parameters ()
                    |> Seq.filter (fun struct (k, p) -> k.StartsWith "video_encoder." && not p.requires_grad)
                    |> Seq.length
                Expect.equal frozen (103 - int (ratio * 103.0)) "the frozen tensors"
            }
        test "a float16 cache changes the loss by float16's rounding only" {
            let _, data = videoManifest ()
            let spec = tinyProbe ()
            let losses half =
                let options = encoderOptions 0.5 half
                let dataset = EncoderData.Open(spec, data, options, 0, "cpu", quiet, Threading.CancellationToken.None, "train", "val")
                torch.manual_seed 5L |> ignore
                use model = EncoderProbe.Create(DeepCoro.Spec.ModelPlan.Of spec, options)
                model.eval ()
                let r = Trainer.EvaluateWith((box model :?> IPoolingProbe), dataset, spec, LossOptions(), torch.CPU, dataset.Studies.Train)
                r.Metrics("train").["train/main_loss"]
            let full, half = losses false, losses true
            Expect.floatClose { absolute = 1e-6; relative = 2e-3 } half full "within float16 rounding"
        }
        test "training with an encoder: a run that saves the encoder's weights, its learning rate, and skips the unreadable video" {
            let dir, data = videoManifest ()
            let spec = tinyProbe ()
            let notes = Collections.Generic.List<string>()
            let observer = {
                new IEncodingObserver with
                    member _.Started(_, _) = ()
                    member _.Finished(_, _) = ()
                    member _.Note(m) = notes.Add m
            }
            let options = encoderOptions 0.76 true
            let dataset = EncoderData.Open(spec, data, options, 0, "cpu", observer, Threading.CancellationToken.None, "train", "val")
            Expect.exists notes (fun m -> m.Contains "1 videos could not be used" && m.Contains "e.avi") "the corrupt video reported once"
            Expect.equal dataset.Studies.Val.Count 1 "the val study of the corrupt video alone is skipped"
            let run = Path.Combine(dir, "run")
            let result =
                Trainer(DeepCoro.Spec.ModelPlan.Of spec, dataset, TrainOptions(Epochs = 2, Encoder = options), run)
                    .Run(false, TrainingTests.silent)
            Expect.equal result.EpochsRun 2 "trained"
            let best = Safetensors.Load(Path.Combine(run, "best.safetensors"))
            Expect.isTrue (best.ContainsKey "video_encoder.model.blocks.3.mlp.3.weight") "the encoder's weights are saved"
            Expect.isTrue (best.ContainsKey "cls_token") "with the probe's, under its own keys"
            let log = File.ReadAllText(Path.Combine(run, "metrics.jsonl"))
            Expect.stringContains log "\"lr/video_encoder\":0.001" "the video_encoder group's rate"
            // the cache is reused by the next run: nothing is encoded again
            let again = Collections.Generic.List<int>()
            let counting = {
                new IEncodingObserver with
                    member _.Started(total, done') = again.Add(total - done')
                    member _.Finished(_, _) = ()
                    member _.Note(_) = ()
            }
            EncoderData.Open(spec, data, options, 0, "cpu", counting, Threading.CancellationToken.None, "train", "val") |> ignore
            Expect.sequenceEqual again [ 1 ] "only the unreadable video is tried again"
        }
        test "ratio 1.0 trains the probe alone on the encoder's cached tokens" {
            let _, data = videoManifest ()
            let spec = tinyProbe ()
            let options = encoderOptions 1.0 true
            let dataset = EncoderData.Open(spec, data, options, 0, "cpu", quiet, Threading.CancellationToken.None, "train", "val")
            Expect.equal dataset.Geometry.Dim 8 "the cache holds tokens [L, D]"
            use model = EncoderProbe.Create(DeepCoro.Spec.ModelPlan.Of spec, options)
            Expect.isTrue (model :? MilModel) "the probe alone"
        }
    ]

/// A DeepCORO_CLIP config over the fixture clips: the tiny encoder's 8-wide tokens pooled by cls tokens per video and
/// across videos, its top half fine-tuned with the probe.
let private referenceEncoderConfig (dir: string) =
    let manifest = Path.Combine(dir, "studies.csv")
    File.WriteAllLines(
        manifest,
        [
            "StudyInstanceUIDαSplitαFileNameαy"
            "s1αtrainαa.aviα0.5"
            "s1αtrainαb.aviα0.5"
            "s2αtrainαc.aviα-1.0"
            "s3αtrainαd.mp4α2.0"
            "s4αvalαb.aviα1.0"
            "s5αvalαa.aviα3.0"
        ]
    )
    let config = Path.Combine(dir, "config.yaml")
    File.WriteAllText(
        config,
        String.concat "\n" [
            "pipeline_project: DeepCORO_video_linear_probing"
            "run_mode: train"
            "epochs: 2"
            "seed: 3"
            sprintf "data_filename: %s" manifest
            "datapoint_loc_label: FileName"
            "multi_video: true"
            "groupby_column: StudyInstanceUID"
            "target_label: [y]"
            "batch_size: 2"
            "num_videos: 2"
            "shuffle_videos: false"
            "embedding_dim: 8"
            "pooling_mode: cls_token"
            "num_attention_heads: 2"
            "aggregate_videos_tokens: false"
            "head_structure: {y: 1}"
            "loss_structure: {y: mse}"
            "head_task: {y: regression}"
            "video_freeze_ratio: 0.5"
            "video_encoder_lr: 0.002"
            "video_encoder_weight_decay: 0.01"
            "frames: 4"
            "resize: 32"
            "stride: 1"
            "dataset_mean: [110.0]"
            "dataset_std: [40.0]"
            "rand_augment: true"
            "model_name: mvit"
        ]
    )
    config

[<Tests>]
let commandLineTests =
    testList "encoder from the command line" [
        test "run --encoder trains the encoder's top with the probe from a DeepCORO_CLIP config, and val reads the run's weights back" {
            let dir, _ = videoFolder [ "lossless.avi", "a.avi"; "mjpg.avi", "b.avi"; "xvid.avi", "c.avi"; "h264.mp4", "d.mp4" ]
            let config = referenceEncoderConfig dir
            let run = Path.Combine(dir, "run")
            let code, stdout, err = CliTests.deepcoro [ "run"; "--config"; config; "--encoder"; tinyEncoder; "--output"; run ]
            Expect.equal code 0 (sprintf "trained: %s %s" stdout err)
            // honoured with an encoder, so not among the keys without effect; the backbone's name still is
            let summary = err.Split('\n') |> Array.find (fun l -> l.Contains "keys concern only")
            Expect.stringContains summary "model_name" "the encoder's name is named as not applied"
            Expect.isFalse
                (summary.Contains "video_freeze_ratio" || summary.Contains "frames" || summary.Contains "rand_augment")
                (sprintf "the encoder's keys are honoured: %s" summary)
            // rand_augment: the training videos' prefix is recomputed with new draws every epoch, the first included
            Expect.stringContains err "epoch 1: rand_augment: the training videos' prefix is computed anew" "augmented from the first epoch"
            Expect.stringContains err "epoch 2: rand_augment: the training videos' prefix is computed anew" "and drawn anew"
            Expect.stringContains err "51 of 103 backbone tensors train (video_freeze_ratio 0.5)" "the freeze ratio reaches the encoder"
            let best = Safetensors.Load(Path.Combine(run, "best.safetensors"))
            Expect.isTrue (best.ContainsKey "video_encoder.model.blocks.3.mlp.3.weight") "the encoder's top is saved with the probe"
            let log = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            Expect.equal log.Length 2 "two epochs"
            Expect.stringContains log.[0] "\"lr/video_encoder\":0.002" "video_encoder_lr reaches the encoder's group"
            let trained = File.ReadAllText(Path.Combine(run, "predictions_val.csv"))
            let code, stdout, err =
                CliTests.deepcoro [
                    "run"
                    "--config"
                    config
                    "--encoder"
                    tinyEncoder
                    "--output"
                    run
                    "--set"
                    "run_mode=val"
                    "--weights"
                    Path.Combine(run, "best.safetensors")
                ]
            Expect.equal code 0 (sprintf "validated: %s %s" stdout err)
            let predictions = File.ReadAllLines(Path.Combine(run, "predictions", "val_predictions_epoch_-1.csv"))
            Expect.equal predictions.Length 3 "a header and the two val studies"
            // the best weights, loaded into the same encoder's top, on the same cached prefix: what training predicted
            Expect.equal (File.ReadAllText(Path.Combine(run, "predictions_val.csv"))) trained "val predictions equal the training run's"
        }
    ]
