/// What a newcomer's first mistakes get (issue 21): one flag vocabulary with "did you mean", `--set` keys checked as
/// flags, a token grid that must fit, a parity check that compares, one name per metric on the console, a run that
/// resumes after its folder moved, and run and sweep directories that say what would go wrong.
module DeepCoro.Tests.NewcomerCliTests

open System
open System.IO
open Expecto
open TorchSharp
open DeepCoro.Runtime.IO
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.TrainingTests

let private deepcoro = CliTests.deepcoro

/// Expects `code` and exactly `message` as stderr's one line.
let private refused (args: string list) (code: int) (message: string) =
    let actual, _, err = deepcoro args
    Expect.equal actual code (sprintf "exit code; stderr: %s" err)
    Expect.equal (err.Trim()) message "the message"

let private golden = "cls4d_post_separate"
let private goldenConfig = Path.Combine(goldenDir, "cases.json") + "#" + golden
let private goldenIo = Path.Combine(goldenDir, golden + ".io.safetensors")

let private infer (extra: string list) = [
    yield! [ "infer"; "--config"; goldenConfig; "--weights"; Path.Combine(goldenDir, golden + ".weights.safetensors") ]
    yield! [ "--inputs"; goldenIo; "--output"; Path.Combine(tempDir (), "out.safetensors") ]
    yield! extra
]

[<Tests>]
let tests =
    testList "newcomer cli" [
        test "a misspelt flag or verb gets the name it was probably meant as" {
            refused
                [ "train"; "--config"; "c.yaml"; "--out"; "run" ]
                2
                "error: deepcoro train: unknown flag '--out'; did you mean '--output'? (deepcoro train --help lists them)"
            refused
                [ "trian"; "--config"; "c.yaml" ]
                2
                "error: deepcoro: unknown verb 'trian'; did you mean 'train'? (deepcoro --help lists them)"
            refused
                [ "sweep"; "init"; "--bse"; "b.yaml" ]
                2
                "error: deepcoro sweep init: unknown flag '--bse'; did you mean '--base'? (deepcoro sweep init --help lists them)"
        }
        test "-h is --help, --version states the assembly's informational version, run --help shows --set key=value" {
            let code, _, err = deepcoro [ "-h" ]
            Expect.equal code 0 err
            Expect.stringContains err "USAGE: deepcoro" "the usage"
            let code, out, err = deepcoro [ "--version" ]
            Expect.equal code 0 err
            Expect.equal (out.Trim()) ("deepcoro " + DeepCoro.Cli.Program.version ()) "the version"
            Expect.stringStarts (DeepCoro.Cli.Program.version ()) "0." "the package's version"
            let code, _, err = deepcoro [ "run"; "-h" ]
            Expect.equal code 0 err
            Expect.stringContains err "--set <key=value>" "as it must be typed"
        }
        test "--output everywhere; the old --out works where it was, with a warning, and is not in the usage" {
            let out = Path.Combine(tempDir (), "synth")
            let code, _, err = deepcoro [ "synth"; "--out"; out; "--studies"; "20" ]
            Expect.equal code 0 err
            Expect.equal (err.Trim()) "warning: --out is deprecated; use --output (--out goes in the next release)" "one warning"
            Expect.isTrue (File.Exists(Path.Combine(out, "config.yaml"))) "written where --out said"
            for verb in [ "demo"; "explain"; "embed"; "synth"; "predict"; "import" ] do
                let _, _, usage = deepcoro [ verb; "--help" ]
                Expect.stringContains usage "--output" (sprintf "%s: --output" verb)
                Expect.isFalse (usage.Contains "--out ") (sprintf "%s: no --out in the usage" verb)
        }
        test "a mistyped --set key is a flag error that stops the command; a known one still applies" {
            let _, config = dataset 20 1 id
            refused
                [ "run"; "--config"; config; "--check"; "--set"; "optimizr.lr=0.1" ]
                1
                "error: --set optimizr.lr=0.1: unknown key 'optimizr.lr'; did you mean 'optimizer.lr'?"
            refused
                [ "run"; "--config"; config; "--check"; "--set"; "optimizer.lrr=0.1" ]
                1
                "error: --set optimizer.lrr=0.1: unknown key 'optimizer.lrr'; did you mean 'optimizer.lr'?"
            // DeepCORO_CLIP's layout drops an unknown key of the file with a warning; a typed one stops the command
            let flat = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "reference", "cathef_cls_token.yaml")
            refused
                [ "run"; "--config"; flat; "--check"; "--set"; "head_lrr=0.1" ]
                1
                "error: --set head_lrr=0.1: unknown key 'head_lrr'; did you mean 'head_lr'?"
            let code, out, err = deepcoro [ "run"; "--config"; config; "--check"; "--set"; "training.seed=11" ]
            Expect.equal code 0 err
            Expect.stringContains out "seed 11" "the override applied"
        }
        test "infer --expect prints each output's errors and PASS, or FAIL with exit 1" {
            let code, out, err = deepcoro (infer [ "--grad"; "--expect"; goldenIo ])
            Expect.equal code 0 err
            Expect.stringContains out (sprintf "compared with %s at 1e-5 + 1e-4 |expected|:" goldenIo) "the tolerance"
            Expect.stringContains out "grad.x" "gradients compared"
            Expect.isMatch out @"PASS: \d+ outputs within 1e-5 \+ 1e-4 \|expected\|" "the verdict"
            Expect.isMatch out @"  out\.\S+ +max abs \d\.\d{3}e[-+]\d\d  max rel \d\.\d{3}e[-+]\d\d  PASS" "an output's line"
            // without --grad the expected gradients are missing
            let code, out, err = deepcoro (infer [ "--expect"; goldenIo ])
            Expect.equal code 1 err
            Expect.isMatch out @"grad\.x +FAIL: not produced \(pass --grad for gradients\)" "names what is missing"
            Expect.equal
                (err.Trim())
                (sprintf "error: %s: outputs differ from the expected ones beyond 1e-5 + 1e-4 |expected| (lines above)" goldenIo)
                "one line"
            // an expectation off by 1e-3 in one output fails that output only
            let tensors = Safetensors.Load goldenIo
            let key = tensors.Keys |> Seq.find (fun k -> k.StartsWith "out")
            tensors[key] <- tensors[key] + torch.tensor 1e-3f
            let off = Path.Combine(tempDir (), "off.io.safetensors")
            Safetensors.Save(off, tensors)
            let code, out, _ = deepcoro (infer [ "--grad"; "--expect"; off ])
            Expect.equal code 1 "FAIL exits 1"
            Expect.isMatch
                out
                (sprintf @"%s +max abs (1\.00\d|9\.99\d)e-0[34]  max rel \S+  FAIL" (Text.RegularExpressions.Regex.Escape key))
                "the wrong output"
            Expect.isMatch out @"grad\.x +max abs .* PASS" "the others pass"
        }
        test "console metrics: one name per metric (aliases only in the files), lines of at most 120 characters" {
            let has = Func<string, bool>(fun k -> List.contains k [ "val/h_precision"; "val/h_ppv"; "val/h_recall"; "val/g_ppv" ])
            Expect.isTrue (DeepCoro.Runtime.Training.Metrics.IsReferenceAlias("val/h_ppv", has)) "ppv beside precision"
            Expect.isFalse (DeepCoro.Runtime.Training.Metrics.IsReferenceAlias("val/h_precision", has)) "the name kept"
            Expect.isFalse (DeepCoro.Runtime.Training.Metrics.IsReferenceAlias("val/g_ppv", has)) "an alias alone stays"
            let items = [ for i in 1..12 -> sprintf "metric%d 0.8123 [0.7811, 0.8430]" i ]
            let lines = DeepCoro.Cli.TrainDisplay.wrapped "val   abnormal     " items
            Expect.isGreaterThan lines.Length 1 "wrapped"
            for l in lines do
                Expect.isLessThanOrEqual l.Length 120 (sprintf "short: %s" l)
            Expect.equal
                (lines |> List.map (fun l -> l.Substring 19) |> String.concat "  ")
                (String.concat "  " items)
                "every item once, in order, under the prefix's indent"
        }
        test "a run moved together with its data resumes; a changed value still refuses" {
            let dir, config = dataset 30 2 id
            let run = Path.Combine(dir, "run")
            Expect.throws (fun () -> trainRun config run false (StopAfter 1) |> ignore) "killed after epoch 1"
            let moved = dir + "-moved"
            Directory.Move(dir, moved)
            let config = Path.Combine(moved, "config.yaml")
            let run = Path.Combine(moved, "run")
            File.WriteAllText(config, File.ReadAllText(config).Replace("seed: 7", "seed: 8"))
            let code, _, err = deepcoro [ "train"; "--config"; config; "--output"; run; "--resume"; "--no-report" ]
            Expect.equal code 1 err
            Expect.stringContains err "Train.Seed 7 -> 8" "the changed value"
            Expect.isFalse (err.Contains "Data.Manifest") (sprintf "the moved manifest is the same: %s" err)
            File.WriteAllText(config, File.ReadAllText(config).Replace("seed: 8", "seed: 7"))
            let code, out, err = deepcoro [ "train"; "--config"; config; "--output"; run; "--resume"; "--no-report" ]
            Expect.equal code 0 err
            Expect.stringContains out "resuming" "continued"
        }
        test "a run directory with files a run does not write, and no checkpoint, is refused" {
            let _, config = dataset 20 1 id
            let run = tempDir ()
            File.WriteAllText(Path.Combine(run, "notes.txt"), "mine")
            Directory.CreateDirectory(Path.Combine(run, "old")) |> ignore
            File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "")
            refused
                [ "train"; "--config"; config; "--output"; run ]
                2
                (sprintf
                    "error: --output %s: the folder holds notes.txt, old, not written by a run, and no checkpoint to resume; choose another --output, or empty it"
                    run)
            Expect.equal (File.ReadAllText(Path.Combine(run, "notes.txt"))) "mine" "untouched"
            Expect.isFalse (File.Exists(Path.Combine(run, "config.yaml"))) "nothing written"
            // what a run stopped before its first checkpoint leaves is its own: trained into
            File.Delete(Path.Combine(run, "notes.txt"))
            Directory.Delete(Path.Combine(run, "old"))
            let code, _, err = deepcoro [ "train"; "--config"; config; "--output"; run; "--no-report" ]
            Expect.equal code 0 err
        }
        test "explain and report refuse a token grid whose product is not the token count" {
            let _, config = dataset 20 1 id
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = deepcoro [ "train"; "--config"; config; "--output"; run; "--no-report" ]
            Expect.equal code 0 err
            refused
                [ "explain"; "--run"; run; "--studies"; "1"; "--tokens-grid"; "2,2,2" ]
                1
                "error: --tokens-grid 2,2,2: T x H x W = 8, but the videos have 4 tokens; the product must equal the token count (or be one less, with a class token in front)"
            Expect.isFalse (Directory.Exists(Path.Combine(run, "explain"))) "no pictures"
            refused
                [ "report"; "--run"; run; "--tokens-grid"; "2,2,2" ]
                1
                "error: --tokens-grid 2,2,2: T x H x W = 8, but the videos have 4 tokens; the product must equal the token count (or be one less, with a class token in front)"
            Expect.isFalse (Directory.Exists(Path.Combine(run, "report"))) "no report"
        }
        test "sweep --dry-run and sweep init name a parameter that cannot change the run, and what shadows it" {
            let dir, config = dataset 20 1 id
            let sweep = Path.Combine(dir, "sweep.yaml")
            File.WriteAllText(
                sweep,
                "method: grid\nmetric: {name: val/main_loss, goal: minimize}\nparameters:\n  lr: {values: [0.001, 0.01]}\n  weight_decay: {values: [0.0, 0.1]}\n"
            )
            let code, _, err = deepcoro [ "sweep"; "--base"; config; "--sweep"; sweep; "--dry-run" ]
            Expect.equal code 0 err
            Expect.stringContains
                err
                "sweep.yaml: warning: parameter 'lr' cannot change the run of config.yaml: every parameter group has its own learning rate (cls_across by attention_across_lr, head:cathEF by head_lr.cathEF, head:abnormal by head_lr.abnormal); its trials would all be the same run"
                "lr is shadowed"
            Expect.isFalse (err.Contains "parameter 'weight_decay'") "weight_decay reaches the groups"
            let code, _, err = deepcoro [ "sweep"; "init"; "--base"; config; "--sweep"; sweep; "--output"; Path.Combine(dir, "s") ]
            Expect.equal code 0 err
            Expect.stringContains err "parameter 'lr' cannot change the run" "init says it too"
        }
    ]
