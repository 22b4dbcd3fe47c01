/// Bootstrap confidence intervals: the weighted metrics equal the metrics of the resample written out, a
/// hand-computed interval, stratification, determinism, and coverage of known population values on simulated data.
module DeepCoro.Tests.IntervalTests

open System
open Expecto
open DeepCoro.Spec
open DeepCoro.Runtime
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.Training

let private gaussian (rng: Random) = Seeding.Gaussian rng

/// The samples drawn `counts.[i]` times each, written out.
let private expand (counts: int[]) (xs: 'a[]) = Array.concat [ for i in 0 .. xs.Length - 1 -> Array.replicate counts.[i] xs.[i] ]

let private assertSame (what: string) (expected: Collections.Generic.IDictionary<string, float>) (names: string seq) (actual: float[]) =
    names
    |> Seq.iteri (fun k name ->
        let e, a = expected.[name], actual.[k]
        Expect.isTrue
            ((Double.IsNaN e && Double.IsNaN a) || abs (e - a) <= 1e-9 * (1.0 + abs e))
            (sprintf "%s %s: weighted %g, written out %g" what name a e))

/// Standard normal CDF (Abramowitz-Stegun 7.1.26 through erf; 1e-7 is plenty for a coverage target).
let private phi (x: float) =
    let t = 1.0 / (1.0 + 0.3275911 * abs x / sqrt 2.0)
    let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp (-(x * x / 2.0))
    0.5 * (1.0 + (if x >= 0.0 then y else -y))

[<Tests>]
let tests =
    testList "bootstrap intervals" [
        test "metrics under counts equal the metrics of the resample written out (ties, zero counts, every task)" {
            let rng = Random 11
            for trial in 1..30 do
                let n = 5 + rng.Next 40
                let counts = Array.init n (fun _ -> rng.Next 4)
                counts.[rng.Next n] <- 1
                let weights = counts |> Array.map float
                // scores rounded to one decimal: many ties
                let score = Array.init n (fun _ -> Math.Round(rng.NextDouble(), 1))
                let y = Array.init n (fun _ -> if rng.NextDouble() < 0.4 then 1.0 else 0.0)
                let b = BinarySamples(score, y |> Array.map (fun v -> v > 0.5))
                let into = Array.zeroCreate b.Names.Count
                b.Evaluate(ReadOnlySpan weights, Span into)
                assertSame (sprintf "binary %d" trial) (Metrics.Binary(expand counts score, expand counts y)) b.Names into
                let target = Array.init n (fun _ -> gaussian rng)
                let pred = target |> Array.map (fun t -> Math.Round(t + 0.5 * gaussian rng, 1))
                let r = RegressionSamples(pred, target)
                let into = Array.zeroCreate r.Names.Count
                r.Evaluate(ReadOnlySpan weights, Span into)
                assertSame (sprintf "regression %d" trial) (Metrics.Regression(expand counts pred, expand counts target)) r.Names into
                let k = 3
                let prob =
                    Array.init n (fun _ ->
                        let p = Array.init k (fun _ -> Math.Round(rng.NextDouble(), 1) + 0.01) in p |> Array.map (fun v -> v / Array.sum p))
                let label = Array.init n (fun _ -> rng.Next k)
                let m = MulticlassSamples(prob, label, k)
                let into = Array.zeroCreate m.Names.Count
                m.Evaluate(ReadOnlySpan weights, Span into)
                assertSame (sprintf "multiclass %d" trial) (Metrics.Multiclass(expand counts prob, expand counts label, k)) m.Names into
        }
        test "percentiles interpolate between ranks as numpy does" {
            let v = [| 1.0; 2.0; 3.0; 4.0 |]
            Expect.equal (Bootstrap.Percentile(v, 0.25)) 1.75 "np.percentile([1,2,3,4], 25)"
            Expect.equal (Bootstrap.Percentile(v, 0.975)) 3.925 "np.percentile([1,2,3,4], 97.5)"
            Expect.equal (Bootstrap.Percentile(v, 1.0)) 4.0 "top"
            Expect.isTrue (Double.IsNaN(Bootstrap.Percentile([||], 0.5))) "empty"
        }
        test "hand-computed: two errors 0 and 1 give MAE 0, 0.5 or 1 with chances 1/4, 1/2, 1/4" {
            // pred - y = 0 and 1: a resample of two is {0,0} (MAE 0), {0,1} twice (0.5) or {1,1} (1). Of 1000
            // resamples about 250 give 0 and 250 give 1 (each count within 250 +- 50 by far): the 95 % interval runs
            // from the 25th to the 975th sorted value, [0, 1]; the 40 % one from the 300th to the 700th, both 0.5.
            let s = RegressionSamples([| 1.0; 3.0 |], [| 1.0; 2.0 |])
            let mae (level: float) = (Bootstrap.Intervals(s, IntervalOptions(Level = level, Resamples = 1000), 7, 0)).[0]
            Expect.equal (mae 0.95) (MetricInterval(0.0, 1.0)) "95 %"
            Expect.equal (mae 0.4) (MetricInterval(0.5, 0.5)) "40 %"
        }
        test "binary heads resample within each class: a perfect ranking keeps AUC 1 in every resample" {
            // unstratified, 1 resample in 2^5 of these 6 samples would hold one class only (AUC undefined)
            let s = BinarySamples([| 0.9; 0.8; 0.7; 0.2; 0.1; 0.3 |], [| true; true; true; false; false; false |])
            let auc = (Bootstrap.Intervals(s, IntervalOptions(), 1, 0)).[0]
            Expect.equal auc (MetricInterval(1.0, 1.0)) "AUC interval"
        }
        test "seeded: the same seed gives the same intervals, another seed others" {
            let rng = Random 5
            let target = Array.init 300 (fun _ -> gaussian rng)
            let s = RegressionSamples(target |> Array.map (fun t -> t + gaussian rng), target)
            let run seed = Bootstrap.Intervals(s, IntervalOptions(Resamples = 200), seed, 0)
            Expect.sequenceEqual (run 3) (run 3) "same seed"
            Expect.notEqual (run 3).[0] (run 4).[0] "another seed"
        }
        test "bad options name their config key" {
            let s = RegressionSamples([| 1.0 |], [| 1.0 |])
            Expect.throwsT<DeepCoro.Spec.DeepCoroUserException>
                (fun () -> Bootstrap.Intervals(s, IntervalOptions(Level = 1.0), 0, 0) |> ignore)
                "level 1"
            let message =
                try
                    Bootstrap.Intervals(s, IntervalOptions(Resamples = -1), 0, 0) |> ignore
                    ""
                with :? DeepCoro.Spec.DeepCoroUserException as e ->
                    e.Message
            Expect.stringContains message "ci_n_bootstrap" "key"
        }
        test "coverage on simulated data: about 95 % of 200 repetitions cover the population MAE and AUC" {
            // errors N(0, 1): population MAE sqrt(2 / pi); scores N(1, 1) for positives and N(0, 1) for negatives:
            // population AUC Phi(1 / sqrt 2)
            let rng = Random 2024
            let trueMae, trueAuc = sqrt (2.0 / Math.PI), phi (1.0 / sqrt 2.0)
            let options = IntervalOptions(Level = 0.95, Resamples = 500)
            let covered = [
                for rep in 1..200 ->
                    let target = Array.init 200 (fun _ -> gaussian rng)
                    let mae =
                        (Bootstrap.Intervals(RegressionSamples(target |> Array.map (fun t -> t + gaussian rng), target), options, rep, 0))
                            .[0]
                    let positive = Array.init 200 (fun i -> i < 100)
                    let score = positive |> Array.map (fun p -> (if p then 1.0 else 0.0) + gaussian rng)
                    let auc = (Bootstrap.Intervals(BinarySamples(score, positive), options, rep, 1)).[0]
                    (mae.Lower <= trueMae && trueMae <= mae.Upper), (auc.Lower <= trueAuc && trueAuc <= auc.Upper)
            ]
            let share f = float (covered |> List.filter f |> List.length) / 200.0
            let maeCoverage, aucCoverage = share fst, share snd
            printfn "bootstrap coverage over 200 repetitions at 95 %%: MAE %.3f, AUC %.3f" maeCoverage aucCoverage
            // binomial sd of a 95 % share over 200 draws: 1.5 points; 0.90 is more than 3 sd below
            for name, c in [ "MAE", maeCoverage; "AUC", aucCoverage ] do
                Expect.isTrue (c >= 0.90 && c <= 0.99) (sprintf "%s coverage %.3f" name c)
        }
    ]
