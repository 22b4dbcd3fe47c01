/// Paired comparison of two models: DeLong's test and intervals against R's pROC (fixtures made by
/// tools/make_delong_fixtures.R), the standard normal against R's pnorm and qnorm, the paired bootstrap, and the
/// `compare` verb end to end on prediction files of both formats, with its bad inputs.
module DeepCoro.Tests.CompareTests

open System
open System.IO
open System.Text.Json
open Expecto
open DeepCoro.Runtime.Evaluation
open DeepCoro.Tests.TestSupport

let private fixtures = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "stats", "delong")

let private numbers (e: JsonElement) = [| for v in e.EnumerateArray() -> v.GetDouble() |]

/// |actual - expected| within the tolerance the issue asks of the oracle agreement.
let private agree (tolerance: float) (what: string) (expected: float) (actual: float) =
    Expect.isTrue (abs (actual - expected) <= tolerance) (sprintf "%s: %.15g, pROC %.15g" what actual expected)

[<Tests>]
let oracleTests =
    testList "DeLong against pROC" [
        test "AUC, difference, interval, z and p of every fixture agree with pROC to 1e-6" {
            let cases = Directory.GetFiles(fixtures, "*.json") |> Array.filter (fun f -> Path.GetFileName f <> "normal.json")
            Expect.isGreaterThanOrEqual cases.Length 6 "the committed fixtures"
            for file in cases do
                let c = JsonDocument.Parse(File.ReadAllText file).RootElement
                let name = c.GetProperty("name").GetString()
                let level = c.GetProperty("level").GetDouble()
                let positive = numbers (c.GetProperty "label") |> Array.map (fun v -> v = 1.0)
                let a, b = numbers (c.GetProperty "a"), numbers (c.GetProperty "b")
                let t = DeLong.Paired(a, b, positive, level)
                let check what (e: float) (v: float) = agree 1e-6 (sprintf "%s %s" name what) e v
                check "auc_a" (c.GetProperty("auc_a").GetDouble()) t.AucA
                check "auc_b" (c.GetProperty("auc_b").GetDouble()) t.AucB
                check "difference" (c.GetProperty("difference").GetDouble()) t.Difference
                check "z" (c.GetProperty("z").GetDouble()) t.Z
                check "p" (c.GetProperty("p").GetDouble()) t.P
                let ci = numbers (c.GetProperty "ci")
                check "ci lower" ci.[0] t.Lower
                check "ci upper" ci.[1] t.Upper
                for model, scores in [ "a", a; "b", b ] do
                    let single = DeLong.Interval(scores, positive, level)
                    let expected = numbers (c.GetProperty("ci_auc_" + model))
                    check ("ci.auc lower " + model) expected.[0] single.Lower
                    check ("ci.auc upper " + model) expected.[1] single.Upper
                    // the AUC every other metric table reports is the same number
                    check
                        ("Metrics.Auc " + model)
                        (c.GetProperty("auc_" + model).GetDouble())
                        (DeepCoro.Runtime.Training.Metrics.Auc(scores, positive))
        }
        test "the normal CDF and quantile agree with R's pnorm and qnorm to 1e-12 (relative in the tails)" {
            let n = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "normal.json"))).RootElement
            let close what (e: float) (v: float) =
                Expect.isTrue
                    (abs (v - e) <= 1e-12 * max 1.0 (abs e) || abs (v - e) <= 1e-12 * abs e)
                    (sprintf "%s: %.17g, R %.17g" what v e)
            Array.iter2
                (fun x e -> close (sprintf "pnorm(%g)" x) e (StandardNormal.Cdf x))
                (numbers (n.GetProperty "x"))
                (numbers (n.GetProperty "pnorm"))
            Array.iter2
                (fun p e -> close (sprintf "qnorm(%g)" p) e (StandardNormal.Quantile p))
                (numbers (n.GetProperty "p"))
                (numbers (n.GetProperty "qnorm"))
            // in the tails an absolute 1e-12 says nothing: the relative error there
            for x in [ -38.0; -10.0; -5.5 ] do
                let e = numbers (n.GetProperty "pnorm") |> Array.item (Array.IndexOf(numbers (n.GetProperty "x"), x))
                if e > 0.0 then
                    Expect.isTrue (abs (StandardNormal.Cdf x / e - 1.0) <= 1e-12) (sprintf "pnorm(%g) relative" x)
        }
        test "with fewer than two studies of a class the variance is undefined, not made up" {
            let t = DeLong.Paired([| 0.9; 0.2; 0.1 |], [| 0.8; 0.3; 0.2 |], [| true; false; false |], 0.95)
            Expect.equal t.AucA 1.0 "the AUC itself is defined"
            Expect.isTrue (Double.IsNaN t.P && Double.IsNaN t.Lower) "no p value or interval"
            Expect.isTrue (Double.IsNaN(DeLong.Interval([| 0.9; 0.2 |], [| true; false |], 0.95).Variance)) "no single-AUC variance"
        }
        test "the paired bootstrap resamples the same studies for both models: identical models differ by exactly 0" {
            let rng = Random 5
            let y = Array.init 80 (fun i -> i % 3 = 0)
            let s = y |> Array.map (fun p -> (if p then 0.7 else 0.0) + rng.NextDouble())
            let other = s |> Array.map (fun v -> v + 0.3 * rng.NextDouble())
            let options = IntervalOptions().With(resamples = 200)
            let same = Bootstrap.Intervals(PairedSamples(BinarySamples(s, y), BinarySamples(s, y)), options, 3, 0)
            for ci in same do
                Expect.equal (ci.Lower, ci.Upper) (0.0, 0.0) "a model against itself"
            let paired = PairedSamples(BinarySamples(s, y), BinarySamples(other, y))
            let diff = Bootstrap.Intervals(paired, options, 3, 0).[0]
            let ofA = Bootstrap.Intervals(BinarySamples(s, y), options, 3, 0).[0]
            let ofB = Bootstrap.Intervals(BinarySamples(other, y), options, 3, 0).[0]
            // paired: the difference's interval is narrower than the unpaired spread of the two intervals
            Expect.isLessThan (diff.Upper - diff.Lower) ((ofA.Upper - ofA.Lower) + (ofB.Upper - ofB.Lower)) "paired is tighter"
            let point = paired.Evaluate()
            Expect.isTrue (diff.Lower <= point.["auc"] && point.["auc"] <= diff.Upper) "the point difference inside its interval"
        }
    ]

let private invariant (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)

/// Seeded predictions of two models for `n` studies: a binary head `abnormal`, a regression head `cathEF` and a
/// three-class head `grade`; model B is noisier than A.
let private models (n: int) =
    let rng = Random 7
    [|
        for i in 0 .. n - 1 ->
            let y = if i % 3 = 0 then 1.0 else 0.0
            let pa = 1.0 / (1.0 + exp (-(2.5 * y - 1.2 + rng.NextDouble())))
            let pb = 1.0 / (1.0 + exp (-(1.0 * y - 0.5 + 1.5 * rng.NextDouble())))
            let ef = 40.0 + 20.0 * rng.NextDouble()
            let grade = i % 3
            let probs (noise: float) =
                let raw = Array.init 3 (fun k -> (if k = grade then 1.0 else 0.2) + noise * rng.NextDouble())
                raw |> Array.map (fun v -> v / Array.sum raw)
            sprintf "s%03d" i, y, pa, pb, ef, ef + 3.0 * rng.NextDouble(), ef + 8.0 * rng.NextDouble(), grade, probs 0.5, probs 2.0
    |]

/// This product's predictions_<split>.csv for model A (or B), leaving out the studies `skip` drops.
let private productFile (path: string) (a: bool) (skip: string -> bool) (extraColumns: (string * string) list) =
    let head =
        "study_id,split,videos,"
        + String.Join("", extraColumns |> List.map (fun (c, _) -> c + ","))
        + "cathEF,cathEF_pred,abnormal,abnormal_prob,grade,grade_prob_0,grade_prob_1,grade_prob_2,grade_pred"
    let lines = [
        for id, y, pa, pb, ef, efa, efb, grade, proba, probb in models 60 do
            if not (skip id) then
                let p, e, probs = (if a then pa, efa, proba else pb, efb, probb)
                let label = if id = "s001" then "" else string (int y)
                let extra = String.Join("", extraColumns |> List.map (fun (_, v) -> v + ","))
                let cells = probs |> Array.map invariant
                let argmax = Array.IndexOf(probs, Array.max probs)
                sprintf
                    "%s,test,2,%s%s,%s,%s,%s,%d,%s,%d"
                    id
                    extra
                    (invariant ef)
                    (invariant e)
                    label
                    (invariant p)
                    grade
                    (String.Join(",", cells))
                    argmax
    ]
    File.WriteAllLines(path, head :: lines)

/// DeepCORO_CLIP's test_predictions_epoch_N.csv (one video per study: video_name is the file) for model A or B.
let private referenceFile (path: string) (a: bool) =
    let lines = [
        for id, y, pa, pb, ef, efa, efb, grade, proba, probb in models 60 do
            let p, e, probs = (if a then pa, efa, proba else pb, efb, probb)
            let argmax = Array.IndexOf(probs, Array.max probs)
            sprintf
                "4,/data/%s.avi,%s,%d,%s,%s,%s,%d,%d"
                id
                (invariant p)
                (int y)
                (invariant e)
                (invariant ef)
                (String.Join(",", probs |> Array.map invariant))
                argmax
                grade
    ]
    File.WriteAllLines(
        path,
        "epoch,video_name,abnormal_pred,abnormal_true,cathEF_pred,cathEF_true,grade_prob_none,grade_prob_mild,grade_prob_severe,grade_pred_class,grade_true_class"
        :: lines
    )

/// Expects exit code `code`, one `error:` line containing each fragment, and no JSON written.
let private expectFailure (code: int) (args: string list) (fragments: string list) =
    let json = Path.Combine(tempDir (), "out.json")
    let actual, _, err = CliTests.deepcoro ([ "compare" ] @ args @ [ "--json"; json ])
    Expect.equal actual code (sprintf "exit code; stderr: %s" err)
    let line = err.Trim()
    Expect.isFalse (line.Contains '\n') (sprintf "one line: %s" line)
    Expect.stringStarts line "error: " "prefixed"
    for f in fragments do
        Expect.stringContains line f "names what is wrong"
    Expect.isFalse (File.Exists json) "no JSON from a failed comparison"

[<Tests>]
let verbTests =
    testList "compare verb" [
        test "binary head of two product files: DeLong in the JSON equals DeLong on the matched studies; unmatched counted" {
            let dir = tempDir ()
            let a, b = Path.Combine(dir, "a.csv"), Path.Combine(dir, "b.csv")
            productFile a true (fun id -> id = "s059") []
            productFile b false (fun id -> id = "s058" || id = "s057") []
            let json = Path.Combine(dir, "cmp.json")
            let code, out, err = CliTests.deepcoro [ "compare"; a; b; "--head"; "abnormal"; "--json"; json; "--resamples"; "300" ]
            Expect.equal code 0 err
            Expect.stringContains out "split test, 95 % intervals" "split and level stated"
            Expect.stringContains out "ROC AUC (Mann-Whitney, ties count one half)" "definition stated"
            Expect.stringContains out "2 only in A, 1 only in B, 1 common without a label" "unmatched rows counted"
            let o = JsonDocument.Parse(File.ReadAllText json).RootElement
            Expect.equal (o.GetProperty("head").GetString()) "abnormal" "head"
            // s001 has no label; s057, s058 only in A; s059 only in B
            Expect.equal (o.GetProperty("n").GetInt32()) 56 "matched and labelled studies"
            let rows = models 60 |> Array.filter (fun (id, _, _, _, _, _, _, _, _, _) -> id < "s057" && id <> "s001")
            let y = rows |> Array.map (fun (_, y, _, _, _, _, _, _, _, _) -> y = 1.0)
            let expected =
                DeLong.Paired(
                    rows |> Array.map (fun (_, _, pa, _, _, _, _, _, _, _) -> pa),
                    rows |> Array.map (fun (_, _, _, pb, _, _, _, _, _, _) -> pb),
                    y,
                    0.95
                )
            let d = o.GetProperty "delong"
            Expect.floatClose Accuracy.veryHigh (o.GetProperty("auc_a").GetDouble()) expected.AucA "auc_a"
            Expect.floatClose Accuracy.veryHigh (o.GetProperty("auc_b").GetDouble()) expected.AucB "auc_b"
            Expect.floatClose
                Accuracy.veryHigh
                (d.GetProperty("difference").GetDouble())
                (expected.AucA - expected.AucB)
                "difference = auc_a - auc_b"
            Expect.equal (numbers (d.GetProperty "ci")) [| expected.Lower; expected.Upper |] "interval"
            Expect.floatClose Accuracy.veryHigh (d.GetProperty("z").GetDouble()) expected.Z "z"
            Expect.floatClose Accuracy.veryHigh (d.GetProperty("p").GetDouble()) expected.P "p"
            let u = o.GetProperty "unmatched"
            Expect.equal
                (u.GetProperty("only_in_a").GetInt32(),
                 u.GetProperty("only_in_b").GetInt32(),
                 u.GetProperty("without_label_or_score").GetInt32())
                (2, 1, 1)
                "unmatched"
            let boot = o.GetProperty "bootstrap"
            Expect.equal (boot.GetProperty("metric").GetString()) "auc" "default metric"
            Expect.equal (boot.GetProperty("resamples").GetInt32()) 300 "resamples"
            let ci = numbers (boot.GetProperty "ci")
            Expect.isTrue
                (ci.[0] <= d.GetProperty("difference").GetDouble() && d.GetProperty("difference").GetDouble() <= ci.[1])
                "bootstrap interval holds the difference"
        }
        test "run directories, DeepCORO_CLIP files, regression and multiclass heads, cv out-of-fold repeats" {
            let dir = tempDir ()
            let runA, runB = Path.Combine(dir, "runA"), Path.Combine(dir, "runB")
            for run, a in [ runA, true; runB, false ] do
                Directory.CreateDirectory run |> ignore
                productFile (Path.Combine(run, "predictions_test.csv")) a (fun _ -> false) []
            let fromRuns = Path.Combine(dir, "runs.json")
            let code, _, err = CliTests.deepcoro [ "compare"; runA; runB; "--head"; "abnormal"; "--json"; fromRuns; "--resamples"; "0" ]
            Expect.equal code 0 err
            let refA, refB = Path.Combine(dir, "test_predictions_epoch_4.csv"), Path.Combine(dir, "b_test_predictions_epoch_4.csv")
            referenceFile refA true
            referenceFile refB false
            // a DeepCORO_CLIP-layout run directory: its predictions/ folder, the best epoch's file of several
            let refRun = Path.Combine(dir, "refRun")
            Directory.CreateDirectory(Path.Combine(refRun, "predictions")) |> ignore
            referenceFile (Path.Combine(refRun, "predictions", "test_predictions_epoch_3.csv")) false
            referenceFile (Path.Combine(refRun, "predictions", "test_predictions_best_epoch_4.csv")) false
            let code, out, err = CliTests.deepcoro [ "compare"; refA; refRun; "--head"; "abnormal"; "--resamples"; "0" ]
            Expect.equal code 0 err
            Expect.stringContains out "test_predictions_best_epoch_4.csv" "the best epoch's file"
            let fromReference = Path.Combine(dir, "ref.json")
            let code, out, err =
                CliTests.deepcoro [ "compare"; refA; refB; "--head"; "abnormal"; "--json"; fromReference; "--resamples"; "0" ]
            Expect.equal code 0 err
            Expect.stringContains out "matched by video_name" "the reference's key"
            Expect.stringContains out "split test" "the split from the reference's file name"
            // the reference's files hold s001's label, ours do not: one study more, so compare the AUCs loosely
            let auc (path: string) = JsonDocument.Parse(File.ReadAllText path).RootElement.GetProperty("auc_a").GetDouble()
            Expect.floatClose { absolute = 0.02; relative = 0.0 } (auc fromReference) (auc fromRuns) "the same model either way"
            let code, out, err = CliTests.deepcoro [ "compare"; refA; refB; "--head"; "cathEF"; "--resamples"; "200" ]
            Expect.equal code 0 err
            Expect.stringContains out "mae, bootstrap" "regression: MAE by default"
            Expect.isFalse (out.Contains "DeLong") "no DeLong for regression"
            let code, out, err = CliTests.deepcoro [ "compare"; refA; refB; "--head"; "grade"; "--resamples"; "200" ]
            Expect.equal code 0 err
            Expect.stringContains out "macro_auc, bootstrap" "multiclass: macro AUC by default"
            let code, out, err =
                CliTests.deepcoro [ "compare"; runA; runB; "--head"; "abnormal"; "--metric"; "sensitivity"; "--resamples"; "100" ]
            Expect.equal code 0 err
            Expect.stringContains out "recall, bootstrap" "the reference's alias resolves"
            // a cv output: each study once per repeat; repeat 0 unless --repeat
            let oof = Path.Combine(dir, "oof_predictions.csv")
            productFile oof true (fun _ -> false) [ "fold", "0"; "repeat", "0" ]
            let second = Path.Combine(dir, "second.csv")
            productFile second true (fun id -> id >= "s030") [ "fold", "1"; "repeat", "1" ]
            File.AppendAllLines(oof, File.ReadAllLines second |> Array.skip 1)
            let code, out, err =
                CliTests.deepcoro [ "compare"; oof; Path.Combine(runB, "predictions_test.csv"); "--head"; "abnormal"; "--resamples"; "0" ]
            Expect.equal code 0 err
            Expect.stringContains out "59 matched" "repeat 0: every study once"
            let code, out, err = CliTests.deepcoro [ "compare"; oof; runB; "--head"; "abnormal"; "--repeat"; "1"; "--resamples"; "0" ]
            Expect.equal code 0 err
            Expect.stringContains out "29 matched" "repeat 1"
            Expect.stringContains out "out-of-fold, repeat 1" "says which repeat"
        }
        test "survival head: the C-index difference by paired bootstrap over the survival prediction columns" {
            let dir = tempDir ()
            let rng = Random 7
            // time, event and two risks: A follows the hazard closely, B loosely
            let rows =
                Array.init 50 (fun i ->
                    let hazard = rng.NextDouble()
                    let time = Math.Round(-Math.Log(rng.NextDouble()) / (0.2 + hazard) * 100.0, 1)
                    let event = if rng.NextDouble() < 0.7 then 1.0 else 0.0
                    sprintf "s%02d" i, time, event, hazard + 0.1 * rng.NextDouble(), hazard + rng.NextDouble())
            let write (path: string) (risk: float * float -> float) =
                let line (id, time: float, event: float, ra, rb) =
                    let r = risk (ra, rb)
                    String.Join(",", [ id; "test"; "2"; string time; string event; string r; "1" ])
                File.WriteAllLines(
                    path,
                    Array.append [| "study_id,split,videos,mace_time,mace_event,mace_risk,other" |] (Array.map line rows)
                )
            let a, b = Path.Combine(dir, "a.csv"), Path.Combine(dir, "b.csv")
            write a fst
            write b snd
            let json = Path.Combine(dir, "cmp.json")
            let code, out, err = CliTests.deepcoro [ "compare"; a; b; "--head"; "mace"; "--json"; json; "--resamples"; "200" ]
            Expect.equal code 0 err
            Expect.stringContains out "head 'mace' (survival)" "read as a survival head"
            Expect.stringContains out "Harrell's C" "the C-index defined"
            let o = JsonDocument.Parse(File.ReadAllText json).RootElement
            let time = rows |> Array.map (fun (_, t, _, _, _) -> t)
            let events = rows |> Array.map (fun (_, _, e, _, _) -> e)
            let samples risk = SurvivalSamples.OfRisk(rows |> Array.map risk, time, events)
            let sa, sb = samples (fun (_, _, _, r, _) -> r), samples (fun (_, _, _, _, r) -> r)
            let ca, cb = sa.Evaluate().["c_index"], sb.Evaluate().["c_index"]
            let boot = o.GetProperty "bootstrap"
            Expect.equal (boot.GetProperty("metric").GetString()) "c_index" "the C-index by default"
            Expect.equal (o.GetProperty("events").GetInt32()) (events |> Array.filter ((=) 1.0) |> Array.length) "events counted"
            Expect.floatClose Accuracy.veryHigh (boot.GetProperty("a").GetDouble()) ca "A's C-index"
            Expect.floatClose Accuracy.veryHigh (boot.GetProperty("difference").GetDouble()) (ca - cb) "A - B"
            Expect.isGreaterThan ca cb "the closer risk ranks better"
            let options = IntervalOptions().With(level = 0.95, resamples = 200)
            let expected = Bootstrap.Intervals(PairedSamples(sa, sb), options, 0, 0).[0]
            Expect.equal (numbers (boot.GetProperty "ci")) [| expected.Lower; expected.Upper |] "the paired bootstrap of the same studies"
            Expect.isFalse (boot.GetProperty("stratified").GetBoolean()) "survival resamples all studies together"
        }
        test "bad inputs: one line each with the documented exit code, no JSON" {
            let dir = tempDir ()
            let a, b = Path.Combine(dir, "a.csv"), Path.Combine(dir, "b.csv")
            productFile a true (fun id -> id >= "s030") []
            productFile b false (fun id -> id < "s030") []
            expectFailure 3 [ a; b; "--head"; "abnormal" ] [ a; b; "share no study" ]
            productFile b false (fun _ -> false) []
            expectFailure 4 [ a; b; "--head"; "stenosis" ] [
                a
                "no head 'stenosis'"
                "abnormal (binary)"
                "cathEF (regression)"
                "grade (multiclass)"
            ]
            let other = Path.Combine(dir, "other.csv")
            File.WriteAllLines(other, [ "id,score,label"; "x,0.3,1" ])
            expectFailure 5 [ a; other; "--head"; "abnormal" ] [ other; "neither this product's predictions"; "id, score, label" ]
            let empty = Path.Combine(dir, "empty.csv")
            File.WriteAllText(empty, "")
            expectFailure 5 [ empty; b; "--head"; "abnormal" ] [ empty; "empty" ]
            expectFailure 2 [ a; b; "--head"; "abnormal"; "--metric"; "mae" ] [ "--metric mae"; "auc, auprc" ]
            expectFailure 2 [ a; b; "--head"; "abnormal"; "--level"; "1.5" ] [ "--level 1.5" ]
            expectFailure 2 [ a; b; "--head"; "abnormal"; "--split"; "val" ] [ "--split val"; "is a file" ]
            expectFailure 1 [ dir; b; "--head"; "abnormal" ] [ dir; "no predictions_test.csv" ]
            Directory.CreateDirectory(Path.Combine(dir, "predictions")) |> ignore
            for epoch in [ 1; 2 ] do
                File.Copy(b, Path.Combine(dir, "predictions", sprintf "val_predictions_epoch_%d.csv" epoch))
            expectFailure 1 [ dir; b; "--head"; "abnormal"; "--split"; "val" ] [
                "several val prediction files"
                "val_predictions_epoch_1.csv"
            ]
            let conflicting = Path.Combine(dir, "c.csv")
            File.WriteAllLines(
                conflicting,
                File.ReadAllLines b
                |> Array.map (fun l ->
                    if l.StartsWith "s003," then
                        let f = l.Split ',' in String.Join(",", Array.updateAt 5 (if f.[5] = "1" then "0" else "1") f)
                    else
                        l)
            )
            expectFailure 1 [ a; conflicting; "--head"; "abnormal" ] [ "s003"; "head 'abnormal' has label" ]
        }
    ]
