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
