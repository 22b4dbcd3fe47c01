/// Calibration statistics against scikit-learn on the fixtures of tools/make_evaluation_fixtures.py: Brier
/// (brier_score_loss) to 1e-6, ECE against its definition to 1e-9, the calibration intercept (logit p as offset) and
/// slope and Platt's fit (LogisticRegression(penalty=None) on logit p) to 1e-6, the multi-class Brier and top-label
/// ECE, isotonic recalibration (IsotonicRegression(out_of_bounds="clip")) and temperature scaling (scipy's minimiser
/// of the NLL).
module DeepCoro.Tests.CalibrationTests

open System
open System.IO
open System.Text.Json.Nodes
open Expecto
open DeepCoro.Runtime.Evaluation
open DeepCoro.Tests.ThresholdTests

let private number (o: JsonNode) (key: string) = o[key].GetValue<float>()

let private close (tolerance: float) (actual: float) (expected: float) (what: string) =
    Expect.isLessThanOrEqual
        (abs (actual - expected))
        (tolerance * (1.0 + abs expected))
        (sprintf "%s: %.12g, oracle %.12g" what actual expected)

let private ones n = Array.create n 1.0

[<Tests>]
let tests =
    testList "calibration" [
        test "binary heads: Brier, ECE, intercept, slope and Platt agree with scikit-learn" {
            for name, y, p, o in binaryFixtures () do
                let outcome = y |> Array.map (fun v -> if v then 1.0 else 0.0)
                let w = ones p.Length
                close 1e-6 (Calibration.Brier(p, outcome, w)) (number o "brier") (name + " brier")
                close 1e-9 (Calibration.Ece(p, outcome, w)) (number o "ece") (name + " ece")
                let logit = p |> Array.map Calibration.Logit
                let struct (intercept, _) = Calibration.Logistic(logit, outcome, w, true)
                let struct (a, b) = Calibration.Logistic(logit, outcome, w, false)
                close 1e-6 intercept (number o "calibration_intercept") (name + " intercept")
                close 1e-6 b (number o "calibration_slope") (name + " slope")
                close 1e-6 a (number o["platt"] "intercept") (name + " platt intercept")
                let m = OperatingPointSamples(p, y, 0.5, true).Evaluate()
                close 1e-6 m["calibration_slope"] (number o "calibration_slope") (name + " slope through the samples")
                close 1e-9 m["ece"] (number o "ece") (name + " ece through the samples")
        }
        test "ECE's bins hold what calibration_curve(strategy=uniform) reports where no score sits on a bin edge" {
            let name, y, p, o = binaryFixtures () |> Array.find (fun (n, _, _, _) -> n.Contains "overconfident")
            let curve = o["calibration_curve"]
            let means (key: string) = curve[key].AsArray() |> Seq.map (fun v -> v.GetValue<float>()) |> Array.ofSeq
            let bins =
                p
                |> Array.mapi (fun i v -> Calibration.Bin v, v, (if y[i] then 1.0 else 0.0))
                |> Array.groupBy (fun (b, _, _) -> b)
                |> Array.sortBy fst
            let meanP = bins |> Array.map (fun (_, xs) -> xs |> Array.averageBy (fun (_, v, _) -> v))
            let meanY = bins |> Array.map (fun (_, xs) -> xs |> Array.averageBy (fun (_, _, v) -> v))
            Expect.equal meanP.Length (means "prob_pred").Length (name + ": the same non-empty bins")
            Array.iteri2 (fun k a e -> close 1e-12 a e (sprintf "bin %d mean p" k)) meanP (means "prob_pred")
            Array.iteri2 (fun k a e -> close 1e-12 a e (sprintf "bin %d rate" k)) meanY (means "prob_true")
        }
        test "multiclass: the multi-class Brier score and the top-label ECE agree with the oracle" {
            let o = JsonNode.Parse(File.ReadAllText(Path.Combine(fixtureDir, "multiclass_120.json")))
            let y = o["y"].AsArray() |> Seq.map (fun v -> v.GetValue<int>()) |> Array.ofSeq
            let prob =
                o["prob"].AsArray()
                |> Seq.map (fun r -> r.AsArray() |> Seq.map (fun v -> v.GetValue<float>()) |> Array.ofSeq)
                |> Array.ofSeq
            let m = MulticlassCalibrationSamples(prob, y).Evaluate()
            close 1e-6 m["brier"] (number o "brier") "multi-class brier"
            close 1e-9 m["ece"] (number o "top_label_ece") "top-label ece"
        }
        test "isotonic recalibration predicts what IsotonicRegression(out_of_bounds=clip) predicts" {
            for name, y, p, o in binaryFixtures () do
                let iso = Isotonic.Fit(p, y |> Array.map (fun v -> if v then 1.0 else 0.0))
                let queries = o.["isotonic"].["x"].AsArray() |> Seq.map (fun v -> v.GetValue<float>()) |> Array.ofSeq
                let expected = o.["isotonic"].["y"].AsArray() |> Seq.map (fun v -> v.GetValue<float>()) |> Array.ofSeq
                Array.iteri2 (fun k q e -> close 1e-9 (iso.Predict q) e (sprintf "%s isotonic at %g (%d)" name q k)) queries expected
        }
        test "temperature scaling finds the T minimising the validation NLL" {
            let o = JsonNode.Parse(File.ReadAllText(Path.Combine(fixtureDir, "multiclass_120.json")))
            let y = o["y"].AsArray() |> Seq.map (fun v -> v.GetValue<int>()) |> Array.ofSeq
            let prob =
                o["prob"].AsArray()
                |> Seq.map (fun r -> r.AsArray() |> Seq.map (fun v -> v.GetValue<float>()) |> Array.ofSeq)
                |> Array.ofSeq
            close 1e-6 (Recalibration.Temperature(prob, y)) (number o "temperature") "T"
        }
        test "regression: the least-squares line of the label on the prediction" {
            let pred = [| 1.0; 2.0; 3.0; 4.0 |]
            let m = RegressionCalibrationSamples(pred, pred |> Array.map (fun v -> 0.5 + 2.0 * v)).Evaluate()
            close 1e-12 m["calibration_intercept"] 0.5 "intercept"
            close 1e-12 m["calibration_slope"] 2.0 "slope"
        }
        test "separated classes have no logistic fit: NaN, not a number made up" {
            let x, y = [| -2.0; -1.0; 1.0; 2.0 |], [| 0.0; 0.0; 1.0; 1.0 |]
            let struct (a, b) = Calibration.Logistic(x, y, ones 4, false)
            Expect.isTrue (Double.IsNaN a && Double.IsNaN b) "no maximum"
        }
    ]
