/// Run and sweep reports and `explain`: every picture exists and shows something, the HTML holds only inlined
/// data and opens cleanly in a real headless browser; explain's weights on the demo run; the bad inputs.
module DeepCoro.Tests.ReportTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open SkiaSharp
open TorchSharp
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Model
open DeepCoro.Runtime.Report
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.TrainingTests

/// A run trained by `deepcoro train` (which writes its report): 60 synthetic studies, 3 epochs.
let private trained =
    lazy
        (let _, config = dataset 60 3 id
         let run = Path.Combine(tempDir (), "run")
         let code, out, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run ]
         if code <> 0 then
             failwithf "train failed: %s" err
         if not (out.Contains "report: ") then
             failwithf "train did not say where its report is: %s" out
         run)

/// A copy of the trained run, for tests that change it.
let private copyOfRun () =
    let copy = Path.Combine(tempDir (), "run")
    for f in Directory.GetFiles(trained.Force(), "*", SearchOption.AllDirectories) do
        let target = Path.Combine(copy, Path.GetRelativePath(trained.Force(), f))
        Directory.CreateDirectory(Path.GetDirectoryName target) |> ignore
        File.Copy(f, target)
    copy

/// Decodes a PNG and measures how much it shows: the share of pixels away from the most common colour, and the
/// standard deviation of the grey level (0 to 255).
let private pictureContent (path: string) =
    use bitmap = SKBitmap.Decode path
    if isNull bitmap then
        failwithf "%s: not a decodable PNG" path
    let pixels = bitmap.Pixels
    let common = pixels |> Array.countBy id |> Array.maxBy snd |> fst
    let grey = pixels |> Array.map (fun c -> 0.299 * float c.Red + 0.587 * float c.Green + 0.114 * float c.Blue)
    let mean = Array.average grey
    bitmap.Width,
    bitmap.Height,
    (float (pixels |> Array.filter (fun c -> c <> common) |> Array.length) / float pixels.Length),
    sqrt (grey |> Array.averageBy (fun g -> (g - mean) ** 2.0))

let private expectPicture (path: string) =
    Expect.isTrue (File.Exists path) (sprintf "%s exists" path)
    let width, height, share, spread = pictureContent path
    Expect.isGreaterThan width 200 (sprintf "%s: width" path)
    Expect.isGreaterThan height 200 (sprintf "%s: height" path)
    // a chart is mostly white: axes, labels and one line already put a few percent of its pixels off the background
    Expect.isGreaterThan share 0.02 (sprintf "%s: %.1f %% of the pixels differ from the background" path (100.0 * share))
    Expect.isGreaterThan spread 8.0 (sprintf "%s: grey-level spread %.1f" path spread)

/// Every src and href of a page.
let private references (html: string) =
    Regex.Matches(html, "(?:src|href)\\s*=\\s*\"([^\"]*)\"") |> Seq.map (fun m -> m.Groups.[1].Value) |> List.ofSeq

let private expectSelfContained (html: string) =
    Expect.isFalse (html.Contains "<script") "no script"
    Expect.isFalse (Regex.IsMatch(html, "url\\(|@import")) "no stylesheet reference"
    for r in references html do
        Expect.isFalse (r.StartsWith "http:" || r.StartsWith "https:" || r.StartsWith "//") (sprintf "no network reference: %s" r)

let private expectedPictures = [
    "loss.png"
    "main_metric.png"
    "lr.png"
    "scatter_cathEF.png"
    "bland_altman_cathEF.png"
    "roc_abnormal.png"
    "pr_abnormal.png"
    "calibration_abnormal.png"
    "confusion_abnormal_val.png"
    "confusion_abnormal_test.png"
    "attention_tokens_entropy.png"
    "attention_videos_entropy.png"
    "attention_focus.png"
    "attention_effective.png"
    "gradient_norms.png"
    "update_ratio.png"
    "stability.png"
    "cls_tokens.png"
    "memory.png"
    "telemetry_cost.png"
]

[<Tests>]
let tests =
    testList "reports" [
        test "train writes the report: every expected picture is a PNG showing something, inlined in a self-contained page" {
            let report = Path.Combine(trained.Force(), "report")
            for p in expectedPictures do
                expectPicture (Path.Combine(report, p))
            let examples = Directory.GetFiles(report, "example_*.png")
            Expect.isGreaterThanOrEqual examples.Length 2 "attention examples"
            for e in examples do
                expectPicture e
            let html = File.ReadAllText(Path.Combine(report, "index.html"))
            expectSelfContained html
            let images = references html |> List.filter (fun r -> r.StartsWith "data:")
            Expect.equal images.Length (Directory.GetFiles(report, "*.png").Length) "every picture inlined once"
            for i in images do
                Expect.isTrue (i.StartsWith "data:image/png;base64,") "an inlined PNG"
            Expect.stringContains html "bootstrap percentile interval" "the intervals are explained"
            Expect.stringContains html "sensitivity (locked threshold)" "a threshold metric's column names its threshold"
            Expect.isTrue (Regex.IsMatch(html, "<td>0\\.\\d+ \\[0\\.\\d+, 0\\.\\d+\\]</td>")) "metric cells carry their interval"
        }
        test "opened in headless chromium: no console error, no request but the page, every image decoded; screenshot saved" {
            match HeadlessBrowser.browser.Force() with
            | Error why -> skiptest why
            | Ok executable ->
                let report = Path.Combine(trained.Force(), "report")
                let shot = Path.Combine(report, "screenshot.png")
                let page = HeadlessBrowser.load executable (Path.Combine(report, "index.html")) shot
                printfn "report screenshot: %s (%d images)" shot page.Images.Length
                Expect.isEmpty page.ConsoleErrors "console errors"
                for r in page.Requests do
                    Expect.isTrue
                        (r.StartsWith "file:" || r.StartsWith "data:")
                        (sprintf "only the file and inlined data are requested: %s" r)
                Expect.isGreaterThanOrEqual page.Images.Length (expectedPictures.Length + 2) "images in the page"
                for alt, complete, width in page.Images do
                    Expect.isTrue complete (sprintf "loaded: %s" alt)
                    Expect.isGreaterThan width 0 (sprintf "decoded (naturalWidth): %s" alt)
                expectPicture shot
        }
        test "a run from before telemetry, without intervals or predictions, still gets a report with what it has" {
            let run = copyOfRun ()
            Directory.Delete(Path.Combine(run, "report"), true)
            let lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            let old =
                lines |> Array.map (fun l -> Regex.Replace(l, ",\"(attention|grad|cls|memory|telemetry|train/skipped)[^\"]*\":[^,}]*", ""))
            File.WriteAllLines(Path.Combine(run, "metrics.jsonl"), old)
            Expect.isFalse (old.[0].Contains "attention/") "telemetry removed"
            File.Delete(Path.Combine(run, "summary.json"))
            for f in Directory.GetFiles(run, "predictions_*") do
                File.Delete f
            let code, out, err = CliTests.deepcoro [ "report"; "--run"; run ]
            Expect.equal code 0 err
            Expect.stringContains out "report: " "says where"
            let html = File.ReadAllText(Path.Combine(run, "report", "index.html"))
            Expect.stringContains html "logged no telemetry" "says why the telemetry curves are missing"
            Expect.stringContains html "No summary.json" "says why metrics are missing"
            expectPicture (Path.Combine(run, "report", "loss.png"))
            Expect.isFalse (File.Exists(Path.Combine(run, "report", "gradient_norms.png"))) "no telemetry picture"
        }
        test "the report is titled by its run, captions the metric it plots, and flags a run that clips most steps" {
            let run = copyOfRun ()
            let report (share: string) =
                let metrics = Path.Combine(run, "metrics.jsonl")
                let lines = File.ReadAllLines metrics
                Expect.isTrue (lines |> Array.forall (fun l -> l.Contains "\"grad/clipped_share\":")) "the clipped share is logged"
                File.WriteAllLines(
                    metrics,
                    lines |> Array.map (fun l -> Regex.Replace(l, "\"grad/clipped_share\":[^,}]*", "\"grad/clipped_share\":" + share))
                )
                let code, _, err = CliTests.deepcoro [ "report"; "--run"; run ]
                Expect.equal code 0 err
                File.ReadAllText(Path.Combine(run, "report", "index.html"))
            let clipped = report "1"
            Expect.stringContains
                clipped
                (sprintf "<title>Run report: %s/run</title>" (Path.GetFileName(Path.GetDirectoryName run)))
                "titled by the run"
            Expect.stringContains clipped "cathEF: mae, abnormal: auc" "the caption names what main_metric.png plots"
            Expect.stringContains clipped "Gradient clipping rescaled 100% of the steps" "clipping every step is flagged"
            Expect.isFalse ((report "0.1").Contains "Gradient clipping rescaled") "rare clipping is not"
        }
        test "without a best model: report says so, explain refuses in one line" {
            let run = copyOfRun ()
            File.Delete(Path.Combine(run, "best.safetensors"))
            let code, _, err = CliTests.deepcoro [ "report"; "--run"; run ]
            Expect.equal code 0 err
            Expect.stringContains (File.ReadAllText(Path.Combine(run, "report", "index.html"))) "No best model" "the note"
            let code, _, err = CliTests.deepcoro [ "explain"; "--run"; run; "--studies"; "1" ]
            Expect.equal code 1 err
            Expect.stringContains err "no best model (best.safetensors)" "names the missing file"
        }
        test "report --sweep: the leaderboard links each trial's report (written when missing), with the sweep's plots" {
            let dir, config = dataset 40 2 id
            let sweep = Path.Combine(dir, "sweep.yaml")
            File.WriteAllText(
                sweep,
                "method: grid\nmetric: {name: val/main_loss, goal: minimize}\nparameters:\n  lr: {values: [0.003, 0.01]}\n"
            )
            let out = Path.Combine(dir, "sweep")
            let train =
                sprintf "%s train --config {config} --output {output} --no-report" (Path.Combine(AppContext.BaseDirectory, "deepcoro"))
            let code, _, err = CliTests.deepcoro [ "sweep"; "--base"; config; "--sweep"; sweep; "--output"; out; "--trial-command"; train ]
            Expect.equal code 0 err
            Expect.isFalse
                (File.Exists(Path.Combine(out, "trials", "trial-0000", "attempt-1", "run", "report", "index.html")))
                "trials ran with --no-report"
            let code, stdout, err = CliTests.deepcoro [ "report"; "--sweep"; out ]
            Expect.equal code 0 err
            let index = Path.Combine(out, "report", "index.html")
            Expect.stringContains stdout index "says where"
            let html = File.ReadAllText index
            expectSelfContained html
            for t in [ "trial-0000"; "trial-0001" ] do
                let link = sprintf "../trials/%s/attempt-1/run/report/index.html" t
                Expect.contains (references html) link (sprintf "links %s's report" t)
                Expect.isTrue (File.Exists(Path.Combine(out, "report", link))) (sprintf "%s's report written" t)
            for p in [ "progress.png"; "param_lr.png" ] do
                expectPicture (Path.Combine(out, "report", p))
            Expect.stringContains html "val/main_loss" "the swept metric"
            Expect.stringContains
                html
                "Each finished trial as one line across the swept parameters and val/main_loss"
                "the parallel-coordinates caption says what it draws"
            Expect.isFalse (html.Contains "against parallel_coordinates") "no caption names the file as a parameter"
        }
        test "report and explain refuse a bad command line with exit code 2" {
            Expect.equal (let c, _, _ = CliTests.deepcoro [ "report" ] in c) 2 "report without --run or --sweep"
            Expect.equal
                (let c, _, _ = CliTests.deepcoro [ "explain"; "--run"; trained.Force() ] in c)
                2
                "explain without --study or --studies"
        }
    ]

/// The demo's run (a smaller demo: 150 studies, 3 epochs), shared by the explain tests.
let private demo =
    lazy
        (let out = Path.Combine(tempDir (), "demo")
         let code, _, err = CliTests.deepcoro [ "demo"; "--output"; out; "--studies"; "150"; "--epochs"; "3" ]
         if code <> 0 then
             failwithf "demo failed: %s" err
         Path.Combine(out, "run"))

[<Tests>]
let explainTests =
    testList "explain" [
        test "explain on the demo run: weights per video sum to 1, padded videos get none, equal to the reference kernel" {
            let run = demo.Force()
            let config = DeepCoro.Cli.RunAccess.openConfig run
            let probe, device = DeepCoro.Cli.RunAccess.openModel run config None
            use _ = probe.Module
            let model = DeepCoro.Cli.RunAccess.tokenProbe config probe
            let data = Dataset.Open(config.Spec, config.Data)
            let studies = data.Studies.Val
            // studies whose evaluation batch holds longer ones: their padded slots must get nothing
            let explain kernel =
                model.Kernel <- kernel
                Explainer.Explain(model, data, studies, ResizeArray studies, device) |> List.ofSeq
            let fused, reference = explain ClsKernel.Fused, explain ClsKernel.Reference
            Expect.equal fused.Length studies.Count "every val study explained"
            Expect.isTrue
                (fused |> List.exists (fun a -> a.Levels |> Seq.exists (fun l -> l.Padding |> Array.exists id)))
                "some batch has padding"
            for a, r in List.zip fused reference do
                for level, levelRef in Seq.zip a.Levels r.Levels do
                    for row in 0 .. level.Weights.Length - 1 do
                        for h in 0 .. level.Weights.[row].Length - 1 do
                            let w = level.Weights.[row].[h]
                            Expect.floatClose
                                Accuracy.medium
                                (float (Array.sum w))
                                1.0
                                (sprintf "%s %s row %d head %d sums to 1" a.Study.Id level.Name row h)
                            for p in 0 .. w.Length - 1 do
                                Expect.floatClose
                                    { absolute = 1e-5; relative = 1e-4 }
                                    (float w.[p])
                                    (float levelRef.Weights.[row].[h].[p])
                                    "fused == reference"
                            if level.Over = "videos" then
                                for slot in a.Videos + 1 .. w.Length - 1 do
                                    Expect.equal w.[slot] 0.0f (sprintf "%s: padded video slot %d gets no weight" a.Study.Id slot)
        }
        test "explain --study draws the study on its token grid; --studies N the N largest and N smallest errors" {
            let run = demo.Force()
            let out = Path.Combine(tempDir (), "explain")
            let id = (File.ReadAllLines(Path.Combine(run, "predictions_val.csv")).[1].Split ',').[0]
            let code, stdout, err = CliTests.deepcoro [ "explain"; "--run"; run; "--study"; id; "--tokens-grid"; "4,2,2"; "--output"; out ]
            Expect.equal code 0 err
            Expect.stringContains stdout id "names the study"
            let dir = Path.Combine(out, id)
            // the demo's width 64 gets 4 heads of 16 (synth keeps heads at least 16 wide)
            let last = DeepCoro.Cli.TrainCommands.synthHeads 64 - 1
            for f in [ "videos.png"; "tokens_mean.png"; "tokens_head0.png"; sprintf "tokens_head%d.png" last ] do
                expectPicture (Path.Combine(dir, f))
            let code, _, err = CliTests.deepcoro [ "explain"; "--run"; run; "--studies"; "2"; "--output"; Path.Combine(out, "ranked") ]
            Expect.equal code 0 err
            Expect.equal (Directory.GetDirectories(Path.Combine(out, "ranked")).Length) 4 "2 largest + 2 smallest"
            // without a grid, the tokens are curves, one picture per video
            Expect.isNonEmpty (Directory.GetFiles(Path.Combine(out, "ranked"), "tokens_video1.png", SearchOption.AllDirectories)) "curves"
        }
        test "an unknown study id lists the closest ids; a grid that does not fit the tokens or does not parse is refused" {
            let run = demo.Force()
            let code, _, err = CliTests.deepcoro [ "explain"; "--run"; run; "--study"; "study0001" ]
            Expect.equal code 1 err
            Expect.stringContains err "--study study0001: no such study in any split of" "what"
            Expect.stringContains err "the closest ids: study00001" "the nearest first"
            let code, _, err =
                CliTests.deepcoro [ "explain"; "--run"; run; "--study"; "study00001"; "--split"; "test"; "--tokens-grid"; "8,7,7" ]
            Expect.equal code 1 err
            Expect.equal
                (err.Trim())
                "error: --tokens-grid 8,7,7: T x H x W = 392, but the videos have 16 tokens; the product must equal the token count (or be one less, with a class token in front)"
                "what the count is"
            let code, _, err = CliTests.deepcoro [ "explain"; "--run"; run; "--study"; "study00001"; "--tokens-grid"; "8,7" ]
            Expect.equal code 1 err
            Expect.stringContains err "--tokens-grid: '8,7' is not a token grid" "the flag and the value"
        }
    ]

[<Tests>]
let classNameTests =
    testList "class names" [
        test "class names come from labels_map where it names a class, else the index" {
            let head = DeepCoro.Spec.HeadSpec("stenosis", DeepCoro.Spec.TaskKind.Multiclass, 3, DeepCoro.Spec.LossKind.Ce)
            let map = Collections.Generic.Dictionary<string, Collections.Generic.IReadOnlyDictionary<string, int>>()
            map.["stenosis"] <- Collections.Generic.Dictionary(dict [ "none", 0; "severe", 2 ])
            Expect.sequenceEqual (ClassNames.For(head, map)) [| "none"; "1"; "severe" |] "named and unnamed"
            let binary = DeepCoro.Spec.HeadSpec("abnormal", DeepCoro.Spec.TaskKind.Binary, 1, DeepCoro.Spec.LossKind.Bce)
            Expect.sequenceEqual (ClassNames.For(binary, Collections.Generic.Dictionary())) [| "0"; "1" |] "binary without a map"
        }
    ]
