/// Survival statistics and losses against R survival 3.5.3 (fixtures made by tools/make_survival_fixtures.R): the Cox
/// partial log-likelihood (Efron, Breslow), Harrell's and Uno's C, the censoring distribution, the time-dependent
/// AUC, the Brier scores and Kaplan-Meier, each plain and under a bootstrap's case weights.
module DeepCoro.Tests.SurvivalTests

open System
open System.IO
open System.Text.Json
open Expecto
open TorchSharp
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.Training
open DeepCoro.Tests.TestSupport

let private fixtureDir = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "stats", "survival")

let private number (e: JsonElement) = if e.ValueKind = JsonValueKind.String then nan else e.GetDouble()

let private numbers (e: JsonElement) =
    if e.ValueKind = JsonValueKind.Array then [| for x in e.EnumerateArray() -> number x |] else [| number e |]

type private Fixture = { Name: string; Root: JsonElement; Time: float[]; Event: bool[]; Risk: float[]; Weights: float[] }

let private fixtures =
    lazy
        [
            for path in Directory.GetFiles(fixtureDir, "*.json") |> Array.sort ->
                let root = JsonDocument.Parse(File.ReadAllText path).RootElement
                {
                    Name = Path.GetFileNameWithoutExtension path
                    Root = root
                    Time = numbers (root.GetProperty "time")
                    Event = numbers (root.GetProperty "event") |> Array.map (fun v -> v = 1.0)
                    Risk = numbers (root.GetProperty "risk")
                    Weights = numbers (root.GetProperty "weights")
                }
        ]

let private close (tolerance: float) (what: string) (expected: float) (actual: float) =
    Expect.isTrue
        ((Double.IsNaN expected && Double.IsNaN actual) || abs (expected - actual) <= tolerance * (1.0 + abs expected))
        (sprintf "%s: R %.15g, ours %.15g" what expected actual)

let private closeAll tolerance what (expected: float[]) (actual: float[]) =
    Expect.equal actual.Length expected.Length (what + ": lengths")
    Array.iteri2 (fun k e a -> close tolerance (sprintf "%s[%d]" what k) e a) expected actual

/// Each fixture under both weightings: the name, the weights, and R's figures for them.
let private weightings (f: Fixture) = [
    "plain", Array.create f.Time.Length 1.0, f.Root.GetProperty "plain"
    "weighted", f.Weights, f.Root.GetProperty "weighted"
]

let private coxLoss (f: Fixture) ties =
    use scope = torch.NewDisposeScope()
    let risk = torch.tensor (f.Risk, dtype = torch.ScalarType.Float64)
    SurvivalLosses.Cox(risk, f.Time, f.Event, ties).sum().item<float>()

[<Tests>]
let tests =
    testList "survival" [
        test "minus the Cox loss summed over one batch equals coxph's log-likelihood (Efron and Breslow)" {
            for f in fixtures.Force() do
                close 1e-6 (f.Name + " efron") (number (f.Root.GetProperty "loglik_efron")) (-(coxLoss f CoxTies.Efron))
                close 1e-6 (f.Name + " breslow") (number (f.Root.GetProperty "loglik_breslow")) (-(coxLoss f CoxTies.Breslow))
        }
        test "the Cox loss's gradient equals finite differences; a batch without events is 0 with a zero gradient" {
            let f = fixtures.Force() |> List.find (fun f -> f.Name = "tied_times")
            use scope = torch.NewDisposeScope()
            let risk = torch.tensor (f.Risk, dtype = torch.ScalarType.Float64, requires_grad = true)
            SurvivalLosses.Cox(risk, f.Time, f.Event, CoxTies.Efron).sum().backward()
            let grad = risk.grad.data<float>().ToArray()
            let loss (r: float[]) =
                use r = torch.tensor (r, dtype = torch.ScalarType.Float64)
                SurvivalLosses.Cox(r, f.Time, f.Event, CoxTies.Efron).sum().item<float>()
            for i in [ 0; 7; 19; 33 ] do
                let up, down = Array.copy f.Risk, Array.copy f.Risk
                up.[i] <- up.[i] + 1e-6
                down.[i] <- down.[i] - 1e-6
                close 1e-6 (sprintf "d loss / d r[%d]" i) ((loss up - loss down) / 2e-6) grad.[i]
            let none = torch.tensor ([| 0.3; -1.0; 2.0 |], dtype = torch.ScalarType.Float64, requires_grad = true)
            let zero = SurvivalLosses.Cox(none, [| 1.0; 2.0; 2.0 |], [| false; false; false |], CoxTies.Efron).sum()
            zero.backward ()
            Expect.equal (zero.item<float>()) 0.0 "no events: loss 0"
            Expect.equal (none.grad.data<float>().ToArray()) [| 0.0; 0.0; 0.0 |] "no events: zero gradient"
        }
        test "Harrell's and Uno's C equal R survival's concordance, plain and under case weights" {
            for f in fixtures.Force() do
                let cohort = SurvivalCohort(f.Time, f.Event, f.Risk)
                let tau = number (f.Root.GetProperty "tau")
                for name, w, r in weightings f do
                    let what = sprintf "%s %s" f.Name name
                    close 1e-9 (what + " harrell") (number (r.GetProperty "concordance")) (cohort.Harrell(ReadOnlySpan w))
                    close 1e-9 (what + " uno") (number (r.GetProperty "uno_c")) (cohort.Uno(ReadOnlySpan w, tau))
        }
        test "the censoring distribution, Kaplan-Meier steps, time-dependent AUC and Brier scores equal R's" {
            for f in fixtures.Force() do
                let cohort = SurvivalCohort(f.Time, f.Event, f.Risk)
                let horizons = numbers (f.Root.GetProperty "horizons")
                let grid = numbers (f.Root.GetProperty "grid")
                let survival = [| for row in (f.Root.GetProperty "survival").EnumerateArray() -> numbers row |]
                for name, w, r in weightings f do
                    let what = sprintf "%s %s" f.Name name
                    let g = cohort.Censoring(ReadOnlySpan w)
                    let censoring = r.GetProperty "censoring"
                    closeAll
                        1e-12
                        (what + " G(t-)")
                        (numbers (censoring.GetProperty "G"))
                        (numbers (censoring.GetProperty "time") |> Array.map g.Before)
                    let km = cohort.KaplanMeier(ReadOnlySpan w)
                    let rkm = r.GetProperty "km"
                    closeAll 1e-12 (what + " km time") (numbers (rkm.GetProperty "time")) km.Time
                    closeAll 1e-12 (what + " km at risk") (numbers (rkm.GetProperty "n_risk")) km.AtRisk
                    closeAll 1e-12 (what + " km events") (numbers (rkm.GetProperty "n_event")) km.Events
                    closeAll 1e-12 (what + " km censored") (numbers (rkm.GetProperty "n_censor")) km.Censored
                    closeAll 1e-12 (what + " km survival") (numbers (rkm.GetProperty "surv")) km.Survival
                    closeAll
                        1e-9
                        (what + " td auc")
                        (numbers (r.GetProperty "td_auc"))
                        (horizons |> Array.map (fun h -> cohort.TimeDependentAuc(ReadOnlySpan w, h)))
                    closeAll
                        1e-9
                        (what + " brier")
                        (numbers (r.GetProperty "brier"))
                        (grid
                         |> Array.mapi (fun k s ->
                             cohort.Brier(ReadOnlySpan w, s, ReadOnlySpan(survival |> Array.map (fun row -> row.[k])))))
                    close 1e-9 (what + " ibs") (number (r.GetProperty "ibs")) (cohort.IntegratedBrier(ReadOnlySpan w, grid, survival))
        }
        test "the Breslow baseline hazard of fixed risks, S(t | r) and its integrated Brier score equal R's" {
            for f in fixtures.Force() do
                let r = f.Root.GetProperty "baseline"
                let grid = numbers (f.Root.GetProperty "grid")
                let baseline = BaselineHazard.Fit(f.Time, f.Event, f.Risk, grid)
                let times = numbers (r.GetProperty "time")
                closeAll 1e-12 (f.Name + " H0") (numbers (r.GetProperty "cumhaz")) (times |> Array.map baseline.At)
                Expect.equal baseline.Times (times |> Array.filter (fun t -> baseline.Times |> Array.contains t)) "event times"
                let survival = f.Risk |> Array.map (fun risk -> grid |> Array.map (fun t -> baseline.Survival(t, risk)))
                let expected = [| for row in (r.GetProperty "survival").EnumerateArray() -> numbers row |]
                Array.iteri2 (fun i e a -> closeAll 1e-12 (sprintf "%s S(t | r[%d])" f.Name i) e a) expected survival
                let cohort = SurvivalCohort(f.Time, f.Event, f.Risk)
                let ones = Array.create f.Time.Length 1.0
                close
                    1e-9
                    (f.Name + " ibs of S(t | r)")
                    (number (r.GetProperty "ibs"))
                    (cohort.IntegratedBrier(ReadOnlySpan ones, grid, survival))
        }
        test "calibration at a horizon: per risk tertile the mean S(H | r) and the Kaplan-Meier survival at H equal R's" {
            for f in fixtures.Force() do
                let c = (f.Root.GetProperty "baseline").GetProperty "calibration"
                let grid = numbers (f.Root.GetProperty "grid")
                let baseline = BaselineHazard.Fit(f.Time, f.Event, f.Risk, grid)
                let horizon = number (c.GetProperty "horizon")
                let sorted = f.Risk |> Array.sort
                let low, high = Bootstrap.Percentile(sorted, 1.0 / 3.0), Bootstrap.Percentile(sorted, 2.0 / 3.0)
                closeAll 1e-12 (f.Name + " cuts") (numbers (c.GetProperty "cuts")) [| low; high |]
                let predicted = f.Risk |> Array.map (fun r -> baseline.Survival(horizon, r))
                let samples = SurvivalCalibrationSamples(f.Time, f.Event, f.Risk, predicted, horizon, low, high)
                let values = samples.Evaluate()
                for g, group in Seq.indexed ((c.GetProperty "groups").EnumerateArray()) do
                    let name = SurvivalCalibrationSamples.Groups.[g]
                    close
                        1e-12
                        (sprintf "%s %s predicted" f.Name name)
                        (number (group.GetProperty "predicted"))
                        values.[name + "_predicted"]
                    let observed = group.GetProperty "observed"
                    let expected = if observed.ValueKind = JsonValueKind.Null then nan else observed.GetDouble()
                    close 1e-12 (sprintf "%s %s observed" f.Name name) expected values.[name + "_observed"]
        }
        test "baseline_hazard.json is written atomically and reads back for the run's Cox heads" {
            let f = fixtures.Force() |> List.find (fun f -> f.Name = "small")
            let heads = [| DeepCoro.Spec.HeadSpec("mace", DeepCoro.Spec.TaskKind.Survival, 1, DeepCoro.Spec.LossKind.Cox) |]
            let fitted = BaselineHazards.Fit(heads, (fun _ -> Nullable((f.Time, f.Event, f.Risk, [| 2.0; 5.0 |]))), ignore)
            let path = Path.Combine(tempDir (), BaselineHazards.FileName)
            fitted.Write path
            let back = BaselineHazards.Read(path, heads)
            Expect.equal back.Heads.["mace"].Times fitted.Heads.["mace"].Times "times"
            Expect.equal back.Heads.["mace"].CumulativeHazard fitted.Heads.["mace"].CumulativeHazard "H0, exactly"
            Expect.equal back.Heads.["mace"].Horizons [| 2.0; 5.0 |] "horizons"
            File.WriteAllText(path, "{\"mace\": {\"time\": [1, 2], \"cumulative_hazard\": [0.1], \"horizons\": []}}")
            let e = Expect.throwsC (fun () -> BaselineHazards.Read(path, heads) |> ignore) id
            Expect.stringContains e.Message "mace has 2 times and 1 cumulative hazards" "names the head"
        }
        test "the discrete-time loss follows its interval convention" {
            use scope = torch.NewDisposeScope()
            let boundaries = [| 30.0; 180.0; 365.0 |]
            let z = [| 0.2; -1.0; 0.5 |]
            let logits = torch.tensor (Array.concat (List.replicate 5 z), 5L, 3L, dtype = torch.ScalarType.Float64)
            // an event at 100 (interval 2), one at 30 (interval 1), a censoring at 200, one at 10, an event after 365
            let time = [| 100.0; 30.0; 200.0; 10.0; 400.0 |]
            let events = [| true; true; false; false; true |]
            let loss = SurvivalLosses.DiscreteTime(logits, time, events, boundaries).data<float>().ToArray()
            let h = z |> Array.map (fun v -> 1.0 / (1.0 + exp -v))
            let survive k = -(Seq.sum [ for j in 0 .. k - 1 -> log (1.0 - h.[j]) ])
            let expected = [| survive 1 - log h.[1]; -log h.[0]; survive 2; 0.0; survive 3 |]
            closeAll 1e-12 "discrete-time loss" expected loss
            let s = SurvivalLosses.DiscreteSurvival(logits).data<float>().ToArray().[0..2]
            closeAll 1e-12 "discrete survival" [| for k in 1..3 -> exp -(survive k) |] s
        }
    ]
