/// Operating thresholds chosen on validation: every rule against R pROC's ROC table on seeded datasets with ties and
/// small n (Fixtures/stats/evaluation, made by tools/make_evaluation_fixtures.py; compared as the partition of
/// studies a threshold induces, since pROC reports midpoints), rules that cannot be read or met, the fallback of a
/// one-class validation split, and thresholds.json written and read back.
module DeepCoro.Tests.ThresholdTests

open System
open System.IO
open System.Text.Json.Nodes
open Expecto
open DeepCoro.Spec
open DeepCoro.Runtime.Evaluation
open DeepCoro.Tests.TestSupport

let fixtureDir = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "stats", "evaluation")

/// A binary fixture: its name, labels, scores and the parsed JSON.
let binaryFixtures () =
    Directory.GetFiles(fixtureDir, "binary_*.json")
    |> Array.sort
    |> Array.map (fun f ->
        let o = JsonNode.Parse(File.ReadAllText f).AsObject()
        let y = o["y"].AsArray() |> Seq.map (fun v -> v.GetValue<int>() = 1) |> Array.ofSeq
        let p = o["p"].AsArray() |> Seq.map (fun v -> v.GetValue<float>()) |> Array.ofSeq
        Path.GetFileNameWithoutExtension f, y, p, o)

let private binaryHead name = HeadSpec(name, TaskKind.Binary, 1, LossKind.Bce)

/// A head's validation scores and labels as LockedThresholds.Choose asks for them.
let private labelled (scores: float[][]) (labels: float[]) = Nullable<struct (float[][] * float[])>(struct (scores, labels))

let private parseError (text: string) =
    try
        ThresholdRule.Parse("training.threshold_rule", text) |> ignore
        ""
    with :? ArgumentException as e ->
        e.Message

[<Tests>]
let tests =
    testList "thresholds" [
        test "every rule induces the partition pROC's threshold induces" {
            for name, y, p, o in binaryFixtures () do
                for rule in o["thresholds"].AsObject() do
                    let expected = rule.Value["positive"].AsArray() |> Seq.map (fun v -> v.GetValue<int>() = 1) |> Array.ofSeq
                    let t = ThresholdRule.Parse("rule", rule.Key).Choose(p, y).Value
                    let actual = p |> Array.map (fun s -> s >= t)
                    Expect.sequenceEqual
                        actual
                        expected
                        (sprintf "%s %s: threshold %g (pROC %O)" name rule.Key t rule.Value["proc_threshold"])
        }
        test "rules read back as written; a fixed threshold is kept" {
            for text in [ "gmean"; "youden"; "sensitivity:0.9"; "specificity:0.85"; "0.3" ] do
                Expect.equal (string (ThresholdRule.Parse("k", text))) text text
            Expect.equal (ThresholdRule.Parse("k", "0.3").Choose([| 0.9 |], [| true |])) (Nullable 0.3) "fixed, whatever the data"
        }
        test "a rule that cannot be read or met is one line naming the key and the accepted forms" {
            let met = parseError "sensitivity:1.5"
            Expect.stringStarts met "training.threshold_rule: 'sensitivity:1.5' cannot be met" "names key and value"
            Expect.stringContains met "youden" "lists the accepted forms"
            Expect.stringContains (parseError "specificity:0") "cannot be met" "0 is no target"
            Expect.stringContains (parseError "best") "is not a threshold rule; accepted: gmean" "unknown rule"
            Expect.isFalse (met.Contains '\n') "one line"
        }
        test "specificity 1 with a negative on top gives a threshold above every score" {
            let t = ThresholdRule.Parse("k", "specificity:1").Choose([| 0.9; 0.5; 0.2 |], [| false; true; false |]).Value
            Expect.isGreaterThan t 0.9 "nothing positive"
        }
        test "a one-class validation split falls back to 0.5 and says so" {
            let notes = Collections.Generic.List<string>()
            let heads = [| binaryHead "contrast" |]
            let options = ThresholdOptions()
            let validation (_: int) = labelled (Array.init 4 (fun i -> [| float i / 4.0 |])) (Array.zeroCreate 4)
            let locked = LockedThresholds.Choose(heads, validation, options, (fun _ -> [||]), Action<string> notes.Add)
            let t = locked.For("contrast")
            Expect.equal (t.Value, t.ChosenOn) (0.5, "fallback") "documented fallback"
            Expect.stringContains notes[0] "contrast: validation has only negatives" "a clear note"
        }
        test "thresholds.json holds value, rule and chosen_on per head and per class, and reads back" {
            let dir = tempDir ()
            let path = Path.Combine(dir, "thresholds.json")
            let heads = [| binaryHead "contrast"; HeadSpec("stenosis", TaskKind.Multiclass, 3, LossKind.Ce) |]
            let names (h: HeadSpec) = [| "none"; "mild"; "severe" |]
            let rng = Random 3
            let scores =
                Array.init 40 (fun _ -> let a = Array.init 3 (fun _ -> rng.NextDouble()) in a |> Array.map (fun v -> v / Array.sum a))
            let labels = Array.init 40 (fun i -> float (i % 3))
            let validation h =
                if h = 0 then
                    labelled (scores |> Array.map (fun s -> [| s[0] |])) (labels |> Array.map (fun v -> if v = 1.0 then 1.0 else 0.0))
                else
                    labelled scores labels
            let options = ThresholdOptions().With(perHead = readOnlyDict [ "stenosis", ThresholdRule.Parse("k", "youden") ])
            let locked = LockedThresholds.Choose(heads, validation, options, names, ignore)
            locked.Write path
            let o = JsonNode.Parse(File.ReadAllText path)
            let text (node: JsonNode) = node.GetValue<string>()
            Expect.equal (text o.["contrast"].["rule"]) "gmean" "default rule"
            Expect.equal (text o.["contrast"].["chosen_on"]) "val" "chosen on val"
            Expect.equal (text o.["stenosis"].["mild"].["rule"]) "youden" "per-head override, per class"
            let back = LockedThresholds.Read(path, heads, names)
            for h, k in [ "contrast", 0; "stenosis", 0; "stenosis", 1; "stenosis", 2 ] do
                Expect.equal (back.For(h, k)) (locked.For(h, k)) (sprintf "%s %d" h k)
            Directory.Delete(dir, true)
        }
        test "this product's names at the locked threshold; DeepCORO_CLIP's layout keeps its on-split names and adds locked_*" {
            let _, y, p, _ = binaryFixtures () |> Array.head
            let head = binaryHead "contrast"
            let locked =
                LockedThresholds(
                    readOnlyDict [ "contrast", [| LockedThreshold(null, 0.5, "gmean", "val") |] :> Collections.Generic.IReadOnlyList<_> ]
                )
            let keys (options: ThresholdOptions) =
                let metrics = Collections.Generic.Dictionary<string, float>()
                let intervals = Collections.Generic.Dictionary<string, MetricInterval>()
                let scores = p |> Array.map (fun v -> [| v |])
                let labels = y |> Array.map (fun v -> if v then 1.0 else 0.0)
                LockedEvaluation.AddHead(
                    head,
                    0,
                    scores,
                    labels,
                    locked,
                    options,
                    (fun _ -> [||]),
                    "test",
                    IntervalOptions(Resamples = 20),
                    1,
                    metrics,
                    intervals
                )
                metrics, intervals
            let ours, oursCi = keys (ThresholdOptions())
            Expect.isFalse (ours.ContainsKey "test/contrast_best_threshold") "no on-split threshold"
            Expect.isTrue
                (ours.ContainsKey "test/contrast_sensitivity" && oursCi.ContainsKey "test/contrast_sensitivity")
                "locked, with interval"
            Expect.equal ours["test/contrast_threshold"] 0.5 "the locked value"
            Expect.isFalse (oursCi.ContainsKey "test/contrast_threshold") "a locked value has no interval"
            let reference, _ = keys (ThresholdOptions().With(onSplitNames = true))
            for key in [ "best_threshold"; "sensitivity"; "ppv"; "locked_threshold"; "locked_sensitivity"; "locked_fn"; "brier" ] do
                Expect.isTrue (reference.ContainsKey("test/contrast_" + key)) key
            Expect.equal reference["test/contrast_locked_sensitivity"] ours["test/contrast_sensitivity"] "the same locked metric"
        }
        test "metrics at a locked threshold under weights equal those of the resample written out" {
            let _, y, p, _ = binaryFixtures () |> Array.head
            let counts = Array.init p.Length (fun i -> (i * 7) % 3)
            let weights = counts |> Array.map float
            let samples = OperatingPointSamples(p, y, 0.5, true)
            let weighted = Array.zeroCreate samples.Names.Count
            samples.Evaluate(ReadOnlySpan weights, Span weighted)
            let expand (xs: 'a[]) = Array.concat [ for i in 0 .. xs.Length - 1 -> Array.replicate counts[i] xs[i] ]
            let written = OperatingPointSamples(expand p, expand y, 0.5, true).Evaluate()
            samples.Names
            |> Seq.iteri (fun k name ->
                Expect.floatClose { absolute = 1e-9; relative = 1e-7 } weighted[k] written[name] (sprintf "%s weighted" name))
        }
    ]
