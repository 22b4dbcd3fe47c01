/// The locked evaluation state end to end: a tiny synthetic run locks its thresholds on validation
/// (thresholds.json), its test metrics use exactly that threshold (recomputed from predictions_test.csv), `evaluate`
/// applies the run to a second cohort without fitting anything (thresholds.json untouched), a cohort without a head's
/// labels still gets predictions, and bad rules or cohorts are one line naming the key or file.
module DeepCoro.Tests.EvaluationCliTests

open System
open System.IO
open System.Text.Json.Nodes
open Expecto
open DeepCoro.Runtime.Data
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.TrainingTests

/// metric -> value of a metrics table (metric,value,ci_lower,ci_upper,ci_level).
let private metricsOf (path: string) =
    File.ReadAllLines path
    |> Array.skip 1
    |> Array.map (fun l -> l.Split ',')
    |> Array.filter (fun f -> f[1] <> "")
    |> Array.map (fun f -> f[0], float f[1])
    |> Map.ofArray

[<Tests>]
let tests =
    testList "locked evaluation" [
        test "test metrics at the val threshold; evaluate applies the run to a new cohort and fits nothing" {
            let _, config = dataset 80 2 (fun t -> t + "  bootstraps: 200\n")
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--no-report" ]
            Expect.equal code 0 err
            let thresholdsFile = Path.Combine(run, "thresholds.json")
            let locked = JsonNode.Parse(File.ReadAllText thresholdsFile)
            let entry = locked.["abnormal"]
            Expect.equal (entry.["rule"].GetValue<string>()) "gmean" "the reference's rule by default"
            Expect.equal (entry.["chosen_on"].GetValue<string>()) "val" "chosen on validation"
            Expect.isNull locked.["cathEF"] "no threshold for a regression head"
            let t = entry.["value"].GetValue<float>()

            // every count of the test split at exactly the locked threshold
            let rows =
                File.ReadAllLines(Path.Combine(run, "predictions_test.csv"))
                |> Array.skip 1
                |> Array.map (fun l -> l.Split ',')
                |> Array.filter (fun f -> f[5] <> "")
                |> Array.map (fun f -> float f[5] = 1.0, float f[6])
            let count truth predicted = rows |> Array.filter (fun (y, p) -> y = truth && (p >= t) = predicted) |> Array.length |> float
            let tp, fp, tn, fn = count true true, count false true, count false false, count true false
            let m = metricsOf (Path.Combine(run, "predictions_test_metrics.csv"))
            Expect.equal m["test/abnormal_threshold"] t "the locked value is the test split's"
            Expect.equal
                (m["test/abnormal_tp"], m["test/abnormal_fp"], m["test/abnormal_tn"], m["test/abnormal_fn"])
                (tp, fp, tn, fn)
                "counts"
            Expect.floatClose Accuracy.veryHigh m["test/abnormal_sensitivity"] (if tp + fn > 0.0 then tp / (tp + fn) else 0.0) "sensitivity"
            Expect.floatClose Accuracy.veryHigh m["test/abnormal_specificity"] (if tn + fp > 0.0 then tn / (tn + fp) else 0.0) "specificity"
            Expect.isFalse (m.ContainsKey "test/abnormal_best_threshold") "no threshold chosen on test in this product's layout"
            for key in [ "test/abnormal_brier"; "test/abnormal_ece"; "test/cathEF_calibration_slope" ] do
                Expect.isTrue (m.ContainsKey key) key

            // a second cohort, with another seed; then the same cohort without the abnormal column
            let cohort = tempDir ()
            DeepCoro.Cli.TrainCommands.synth cohort (SyntheticOptions(Studies = 20, Seed = 11, Dim = 16, Tokens = 4, MaxVideos = 3)) 1
            let before = File.ReadAllBytes thresholdsFile
            let out = Path.Combine(tempDir (), "external")
            let code, stdout, err =
                CliTests.deepcoro [
                    "evaluate"
                    "--run"
                    run
                    "--data"
                    Path.Combine(cohort, "manifest.csv")
                    "--output"
                    out
                    "--subgroups"
                    "Split"
                ]
            Expect.equal code 0 err
            Expect.stringContains stdout "nothing was fitted on this cohort" "says so"
            for fragment in [ "Split external; subgroups of Split"; "abnormal (binary)"; "(thresholds.json)" ] do
                Expect.stringContains stdout fragment ("subgroups of the cohort: " + fragment)
            let rows = stdout.Split('\n') |> Array.filter (fun l -> l.TrimStart().StartsWith "Split ")
            Expect.isNonEmpty rows "a row per value of the cohort's Split column"
            Expect.equal (File.ReadAllBytes thresholdsFile) before "thresholds.json untouched"
            Expect.equal (File.ReadAllLines(Path.Combine(out, "predictions.csv")).Length) 21 "one row per study"
            let e = metricsOf (Path.Combine(out, "metrics.csv"))
            Expect.equal e["external/abnormal_threshold"] t "the run's threshold"
            Expect.isTrue (e.ContainsKey "external/abnormal_auc" && e.ContainsKey "external/cathEF_mae") "metrics of both heads"
            Expect.stringContains (File.ReadAllText(Path.Combine(out, "evaluation.json"))) "\"fitted_on_cohort\": \"nothing" "recorded"
            Expect.isTrue (File.Exists(Path.Combine(out, "report", "index.html"))) "report"
            Expect.stringContains
                (File.ReadAllText(Path.Combine(out, "report", "index.html")))
                "<h2>Subgroups (external)</h2>"
                "the subgroup tables in the report"

            let lines = File.ReadAllLines(Path.Combine(cohort, "manifest.csv"))
            let unlabelled = Path.Combine(cohort, "unlabelled.csv")
            File.WriteAllLines(unlabelled, lines |> Array.map (fun l -> String.Join("α", l.Split('α') |> Array.take 4)))
            let out2 = Path.Combine(tempDir (), "external2")
            let code, _, err = CliTests.deepcoro [ "evaluate"; "--run"; run; "--data"; unlabelled; "--output"; out2 ]
            Expect.equal code 0 err
            Expect.stringContains err "head abnormal: no labelled study" "one-line note"
            Expect.equal (File.ReadAllLines(Path.Combine(out2, "predictions.csv")).Length) 21 "predictions still written"
            let e2 = metricsOf (Path.Combine(out2, "metrics.csv"))
            Expect.isFalse (e2.ContainsKey "external/abnormal_auc") "that head's metrics skipped"
            Expect.isTrue (e2.ContainsKey "external/cathEF_mae") "the other head's kept"
            let code, _, err = CliTests.deepcoro [ "evaluate"; "--run"; run; "--data"; "/nonexistent/cohort.csv" ]
            Expect.equal code 1 err
            Expect.stringContains err "/nonexistent/cohort.csv" "names the cohort"
        }
        test "a rule that cannot be read or met: one line naming the key and the accepted forms" {
            let _, config = dataset 30 1 (fun t -> t + "  threshold_rule: sensitivity:1.5\n")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; Path.Combine(tempDir (), "run") ]
            Expect.equal code 1 err
            Expect.stringContains err "training.threshold_rule: 'sensitivity:1.5' cannot be met" "names the key"
            Expect.stringContains err "accepted: gmean" "and the accepted forms"
            let _, config = dataset 30 1 (fun t -> t + "  threshold_rules: { abnormal: best }\n")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; Path.Combine(tempDir (), "run") ]
            Expect.equal code 1 err
            Expect.stringContains err "training.threshold_rules.abnormal: 'best' is not a threshold rule" "per-head key named"
        }
        test "recalibration fitted on validation: calibration.json, probabilities and metrics after it, calibration before it" {
            let _, config = dataset 80 2 (fun t -> t + "  bootstraps: 0\n  recalibration: { abnormal: platt }\n")
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--no-report" ]
            Expect.equal code 0 err
            let fitted = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "calibration.json"))).["abnormal"]
            Expect.equal (fitted.["method"].GetValue<string>(), fitted.["fitted_on"].GetValue<string>()) ("platt", "val") "stored"
            let a, b = fitted.["intercept"].GetValue<float>(), fitted.["slope"].GetValue<float>()
            let m = metricsOf (Path.Combine(run, "predictions_val_metrics.csv"))
            // Platt's fit on val is the calibration fit: on val its probabilities are calibrated in the large
            Expect.floatClose Accuracy.medium m["val/abnormal_calibration_intercept"] 0.0 "calibrated on val"
            Expect.floatClose Accuracy.medium m["val/abnormal_calibration_slope"] 1.0 "slope 1 on val"
            Expect.isTrue (m.ContainsKey "val/abnormal_uncalibrated_brier") "the calibration before it"
            // predict applies it: predictions equal sigmoid(a + b logit p_raw) of the run's raw model, i.e. the run's
            let csv = Path.Combine(tempDir (), "p.csv")
            let manifest = Path.Combine(Path.GetDirectoryName config, "manifest.csv")
            let code, _, err = CliTests.deepcoro [ "predict"; "--run"; run; "--manifest"; manifest; "--output"; csv ]
            Expect.equal code 0 err
            let probabilities (path: string) =
                File.ReadAllLines path |> Array.skip 1 |> Array.map (fun l -> let f = l.Split ',' in f[0], float f[6]) |> Map.ofArray
            let fromRun, fromPredict = probabilities (Path.Combine(run, "predictions_val.csv")), probabilities csv
            for KeyValue(id, p) in fromRun do
                Expect.floatClose Accuracy.medium fromPredict[id] p id
            ignore (a, b)
        }
        test "a validation split with one class for a head: the documented fallback, said in a note and in the file" {
            // 40 studies of seed 3 leave no positive abnormal study in validation
            let _, config = dataset 40 1 (fun t -> t + "  bootstraps: 0\n")
            let run = Path.Combine(tempDir (), "run")
            let code, stdout, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run; "--no-report" ]
            Expect.equal code 0 err
            Expect.stringContains (stdout + err) "abnormal: validation has only negatives" "a clear note"
            let entry = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "thresholds.json"))).["abnormal"]
            Expect.equal (entry.["chosen_on"].GetValue<string>(), entry.["value"].GetValue<float>()) ("fallback", 0.5) "not chosen on data"
            Expect.stringContains (entry.["note"].GetValue<string>()) "fallback" "the note kept with it"
        }
    ]
