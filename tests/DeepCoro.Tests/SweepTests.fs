/// The sweep engine without processes: sweep files, samplers (statistical checks with fixed seeds), grid, the
/// Bayesian optimiser against random search, and hyperband's decisions on scripted curves.
module DeepCoro.Tests.SweepTests

open System
open System.Text.Json.Nodes
open Expecto
open DeepCoro.Runtime.Sweeps

let private parse (yaml: string) = SweepFileParser.Parse("sweep.yaml", yaml)

let private param (yaml: string) = (parse ("method: random\nmetric: {name: val/main_loss}\nparameters:\n  x:\n" + yaml)).Parameters.[0]

let private draws (p: SweepParameter) n =
    let rng = Random(1234)
    Array.init n (fun _ -> p.Sample rng)

let private numbers (values: JsonNode array) =
    values
    |> Array.map (fun v ->
        match SweepValues.TryNumber v with
        | true, x -> x
        | _ -> failwithf "not a number: %O" v)

let private mean (xs: float array) = Array.average xs
let private std (xs: float array) = let m = mean xs in sqrt (xs |> Array.averageBy (fun x -> (x - m) ** 2.0))

/// Fractions of draws in k equal bins of [lo, hi]: each must be 1/k within tol.
let private flat what (xs: float array) lo hi k tol =
    let counts = Array.zeroCreate k
    for x in xs do
        counts.[min (k - 1) (int (float k * (x - lo) / (hi - lo)))] <- counts.[min (k - 1) (int (float k * (x - lo) / (hi - lo)))] + 1
    for c in counts do
        let f = float c / float xs.Length
        Expect.isLessThan (abs (f - 1.0 / float k)) tol (sprintf "%s: bin fraction %.3f, expected %.3f" what f (1.0 / float k))

let private n = 8000

let distributionTests =
    testList "sweep distributions" [
        test "uniform: within [min, max) and flat" {
            let xs = param "    distribution: uniform\n    min: -2\n    max: 3.0\n" |> fun p -> draws p n |> numbers
            Expect.isTrue (xs |> Array.forall (fun x -> x >= -2.0 && x < 3.0)) "bounds"
            flat "uniform" xs -2.0 3.0 5 0.02
        }
        test "min and max as floats infer uniform; as integers int_uniform" {
            Expect.equal (param "    min: 0.0\n    max: 1.0\n").Distribution Distribution.Uniform "floats"
            Expect.equal (param "    min: 1\n    max: 4\n").Distribution Distribution.IntUniform "ints"
        }
        test "int_uniform: integers, every value of [min, max] equally often" {
            let vs = param "    distribution: int_uniform\n    min: 2\n    max: 6\n" |> fun p -> draws p n
            Expect.isTrue (vs |> Array.forall SweepValues.IsInteger) "integers"
            let xs = numbers vs
            Expect.equal (xs |> Array.distinct |> Array.sort) [| 2.0; 3.0; 4.0; 5.0; 6.0 |] "support"
            flat "int_uniform" (xs |> Array.map (fun x -> x - 1.5)) 0.5 5.5 5 0.02
        }
        test "q_uniform: multiples of q in bounds, integer-typed for integer q and bounds" {
            let p = param "    distribution: q_uniform\n    min: 4\n    max: 32\n    q: 4\n"
            let vs = draws p n
            Expect.isTrue (vs |> Array.forall SweepValues.IsInteger) "integers"
            let xs = numbers vs
            Expect.isTrue (xs |> Array.forall (fun x -> x >= 4.0 && x <= 32.0 && x % 4.0 = 0.0)) "grid and bounds"
            Expect.equal (xs |> Array.distinct |> Array.sort) [| 4.0..4.0..32.0 |] "every multiple reached"
            let fq = param "    distribution: q_uniform\n    min: 0.0\n    max: 1.0\n    q: 0.25\n"
            let ys = draws fq n |> numbers
            Expect.isTrue (ys |> Array.forall (fun y -> y >= 0.0 && y <= 1.0 && abs (y / 0.25 - round (y / 0.25)) < 1e-9)) "float grid"
        }
        test "log_uniform_values: within bounds and flat in log space" {
            let xs = param "    distribution: log_uniform_values\n    min: 1e-5\n    max: 1e-1\n" |> fun p -> draws p n |> numbers
            Expect.isTrue (xs |> Array.forall (fun x -> x >= 1e-5 && x <= 1e-1)) "bounds"
            flat "log10" (xs |> Array.map log10) -5.0 -1.0 4 0.02
        }
        test "q_log_uniform_values: multiples of q in bounds, most mass at small values" {
            let xs = param "    distribution: q_log_uniform_values\n    min: 1\n    max: 1000\n    q: 1\n" |> fun p -> draws p n |> numbers
            Expect.isTrue (xs |> Array.forall (fun x -> x >= 1.0 && x <= 1000.0 && x = round x)) "bounds, integers"
            let below32 = (xs |> Array.filter (fun x -> x < 31.5)).Length |> float
            // P(x < 31.6) = 0.5 for log-uniform on [1, 1000]
            Expect.isLessThan (abs (below32 / float n - 0.5)) 0.03 "median near sqrt(1000)"
        }
        test "normal: mean mu, standard deviation sigma, symmetric" {
            let xs = param "    distribution: normal\n    mu: 2.0\n    sigma: 0.5\n" |> fun p -> draws p n |> numbers
            Expect.isLessThan (abs (mean xs - 2.0)) 0.03 "mean"
            Expect.isLessThan (abs (std xs - 0.5)) 0.02 "std"
            let within1 = (xs |> Array.filter (fun x -> abs (x - 2.0) < 0.5)).Length |> float
            Expect.isLessThan (abs (within1 / float n - 0.6827)) 0.02 "68% within one sigma"
        }
        test "log_normal: positive, log has mean mu and standard deviation sigma" {
            let xs = param "    distribution: log_normal\n    mu: -3.0\n    sigma: 1.0\n" |> fun p -> draws p n |> numbers
            Expect.isTrue (xs |> Array.forall (fun x -> x > 0.0)) "positive"
            let ls = xs |> Array.map log
            Expect.isLessThan (abs (mean ls + 3.0)) 0.05 "mean of log"
            Expect.isLessThan (abs (std ls - 1.0)) 0.04 "std of log"
        }
        test "categorical: every value equally often, values keep their YAML types" {
            let vs = param "    values: [cls_token, 8, 0.5, true]\n" |> fun p -> draws p n
            let counts = vs |> Array.countBy SweepValues.Format |> Map.ofArray
            Expect.equal (counts |> Map.keys |> Set.ofSeq) (set [ "cls_token"; "8"; "0.5"; "true" ]) "support"
            for KeyValue(k, c) in counts do
                Expect.isLessThan (abs (float c / float n - 0.25)) 0.02 k
            Expect.isTrue (vs |> Array.exists SweepValues.IsInteger) "8 stays an integer"
        }
        test "constant: always the value" {
            let vs = param "    value: 0.25\n" |> fun p -> draws p 100
            Expect.isTrue (vs |> Array.forall (fun v -> SweepValues.Format v = "0.25")) "constant"
        }
        test "seeded: the same seed and trial give the same draw; trials differ" {
            let sweep = parse "method: random\nmetric: {name: m}\nparameters:\n  a: {min: 0.0, max: 1.0}\n  b: {values: [1, 2, 3]}\n"
            let s1, s2 = Suggesters.For(sweep, 7), Suggesters.For(sweep, 7)
            for i in 0..9 do
                Expect.equal (s1.Suggest(i, [||]).ToJsonString()) (s2.Suggest(i, [||]).ToJsonString()) "same seed"
            Expect.notEqual (s1.Suggest(0, [||]).ToJsonString()) (s1.Suggest(1, [||]).ToJsonString()) "trials differ"
        }
    ]

let gridTests =
    testList "sweep grid" [
        test "grid enumerates the Cartesian product exactly, last parameter fastest" {
            let sweep =
                parse
                    "method: grid\nmetric: {name: m}\nparameters:\n  a: {values: [x, y]}\n  b: {distribution: int_uniform, min: 1, max: 3}\n  c: {distribution: q_uniform, min: 0.0, max: 1.0, q: 0.5}\n  d: {value: 7}\n"
            let g = Suggesters.For(sweep, 0)
            Expect.equal g.Size (Nullable 18) "2 x 3 x 3 x 1"
            let points = [ for i in 0..17 -> g.Suggest(i, [||]) ]
            let keys = points |> List.map (fun o -> o |> Seq.map (fun kv -> SweepValues.Format kv.Value) |> String.concat ",")
            let expected = [
                for a in [ "x"; "y" ] do
                    for b in [ "1"; "2"; "3" ] do
                        for c in [ "0.0"; "0.5"; "1.0" ] -> sprintf "%s,%s,%s,7" a b c
            ]
            Expect.sequenceEqual keys expected "product in order"
        }
        test "grid refuses a continuous distribution" {
            Expect.throwsT<SweepFileException>
                (fun () ->
                    parse "method: grid\nmetric: {name: m}\nparameters:\n  lr: {distribution: log_uniform_values, min: 1e-4, max: 1e-2}\n"
                    |> ignore)
                "grid with a continuous parameter"
        }
    ]

let parserTests =
    testList "sweep file" [
        test "W&B agent and server keys are warnings, once each; the command W&B would run is kept to show" {
            let s =
                parse
                    "program: train.py\ncommand:\n  - torchrun\n  - --nproc_per_node=2\n  - scripts/main.py\n  - ${args}\nentity: me\nproject: p\nname: n\ndescription: d\nmethod: bayes\nmetric:\n  name: val/cathEF_mae\n  goal: minimize\nparameters:\n  lr: {min: 0.1, max: 0.2}\n"
            Expect.equal s.Warnings.Count 6 "one warning per ignored key"
            Expect.stringContains s.Warnings.[0] "sweep.yaml:1:1: warning: program" "located"
            Expect.stringContains
                s.Warnings.[1]
                "sweep.yaml:2:1: warning: command: W&B's agent would run `torchrun --nproc_per_node=2 scripts/main.py ${args}`"
                "the command shown"
            Expect.sequenceEqual s.WandbCommand [ "torchrun"; "--nproc_per_node=2"; "scripts/main.py"; "${args}" ] "command kept"
            Expect.equal s.Method SearchMethod.Bayes "method"
        }
        test "top-level keys W&B does not know are warnings, as W&B ignores them; a misspelt required key is named" {
            let s = parse "method: grid\nmetric: {name: m}\nparameters:\n  a: {values: [1]}\nrun_mode: train\nnotes: |\n  a long note\n"
            Expect.equal s.Warnings.Count 2 "run_mode and notes"
            Expect.stringContains s.Warnings.[0] "sweep.yaml:5:1: warning: 'run_mode' is not a W&B sweep key; ignored" "run_mode"
            try
                parse "methd: grid\nmetric: {name: m}\nparameters:\n  a: {values: [1]}\n" |> ignore
                failtest "accepted"
            with :? SweepFileException as e ->
                Expect.stringContains
                    e.Message
                    "missing 'method' (grid, random or bayes) ('methd' is not a key: did you mean 'method'?)"
                    "named"
        }
        test "floats are written as YAML 1.1 readers (PyYAML) read floats: a dot and a signed exponent" {
            // PyYAML's float rule: 1e-05 or 2 would be a string or an int in the reference's scripts
            let pyyamlFloat = Text.RegularExpressions.Regex(@"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")
            for x, text in [ 1e-5, "1.0e-05"; 2.0, "2.0"; 0.1, "0.1"; 1.5e20, "1.5e+20"; -3e-7, "-3.0e-07"; 1234.5, "1234.5" ] do
                let f = SweepValues.FormatFloat x
                Expect.equal f text (string x)
                Expect.isTrue (pyyamlFloat.IsMatch f) (sprintf "%s is a PyYAML float" f)
                Expect.equal (Double.Parse(f, Globalization.CultureInfo.InvariantCulture)) x "round trip"
        }
        test "a value read back from JSON keeps its parameter's type (0.0 stays a float, a draw of an int_uniform an int)" {
            let s =
                parse
                    "method: random\nmetric: {name: m}\nparameters:\n  dropout: {values: [0.0, 0.1]}\n  n: {min: 1, max: 4}\n  x: {min: 0.0, max: 2.0}\n"
            let back (p: SweepParameter) (v: JsonNode) = p.Canonical(JsonNode.Parse(v.ToJsonString())) |> SweepValues.Format
            Expect.equal (back s.Parameters.[0] (JsonValue.Create 0.0)) "0.0" "categorical float"
            Expect.equal (back s.Parameters.[1] (JsonValue.Create 3L)) "3" "int"
            Expect.equal (back s.Parameters.[2] (JsonValue.Create 1.0)) "1.0" "float draw"
        }
        test "an unknown key is an error with line, column and suggestion" {
            try
                parse "method: random\nmetric: {name: m}\nparameters:\n  lr:\n    distribution: uniform\n    min: 0.1\n    mx: 0.2\n"
                |> ignore
                failtest "accepted"
            with :? SweepFileException as e ->
                Expect.stringContains e.Message "sweep.yaml:7:5: unknown key 'mx'" "position"
                Expect.stringContains e.Message "did you mean 'max'?" "suggestion"
        }
        test "misspelt method and distribution get suggestions" {
            try
                parse "method: bayse\nmetric: {name: m}\nparameters:\n  lr: {distribution: log_uniform_value, min: 0.1, max: 0.2}\n"
                |> ignore
                failtest "accepted"
            with :? SweepFileException as e ->
                Expect.stringContains e.Message "did you mean 'bayes'?" "method"
                Expect.stringContains e.Message "did you mean 'log_uniform_values'?" "distribution"
        }
        test "dotted and nested per-head keys flatten to the same names" {
            let s =
                parse
                    "method: random\nmetric: {name: m}\nparameters:\n  head_lr.cathEF: {values: [0.1]}\n  head_weight_decay:\n    parameters:\n      cathEF: {values: [0.01]}\n"
            Expect.sequenceEqual (s.Parameters |> Seq.map (fun p -> p.Name)) [ "head_lr.cathEF"; "head_weight_decay.cathEF" ] "names"
        }
        test "hyperband: min_iter * eta^k rungs, max_iter / eta^k rungs" {
            let s =
                parse
                    "method: random\nmetric: {name: m}\nparameters:\n  a: {values: [1]}\nearly_terminate: {type: hyperband, min_iter: 2, eta: 2, s: 3}\n"
            Expect.sequenceEqual (s.EarlyTerminate.Rungs()) [ 2; 4; 8 ] "min_iter"
            Expect.sequenceEqual (Hyperband(Nullable(), Nullable 27, 3.0, Nullable 3).Rungs()) [ 1; 3; 9 ] "max_iter"
            Expect.sequenceEqual (Hyperband(Nullable 3, Nullable(), 3.0, Nullable()).Rungs() |> Seq.take 4) [ 3; 9; 27; 81 ] "unbounded"
        }
        test "the shipped CathEF sweep parses and only tries head counts that divide 512 (reference defect 5)" {
            let s =
                SweepFileParser.Load(
                    IO.Path.Combine(DeepCoro.Tests.TestSupport.repoRoot, "examples", "configs", "sweep_cathef_cls_token.yaml")
                )
            Expect.isEmpty s.Warnings "no ignored keys"
            let heads = s.Parameters |> Seq.find (fun p -> p.Name = "num_attention_heads")
            for v in heads.Values do
                let h =
                    match SweepValues.TryNumber v with
                    | true, x -> int x
                    | _ -> 0
                Expect.equal (512 % h) 0 (sprintf "%d heads divide 512" h)
            Expect.equal s.Method SearchMethod.Bayes "bayes"
            Expect.isNotNull s.EarlyTerminate "hyperband"
        }
        test "bad bounds are errors" {
            for body, expected in
                [
                    "{distribution: log_uniform_values, min: 0, max: 1}", "needs min above 0"
                    "{distribution: uniform, min: 2.0, max: 1.0}", "must be above min"
                    "{distribution: normal, mu: 0, sigma: -1}", "sigma must be above 0"
                    "{distribution: uniform, min: 0.0, max: 1.0, mu: 3}", "'mu' does not apply to uniform"
                ] do
                try
                    parse ("method: random\nmetric: {name: m}\nparameters:\n  a: " + body + "\n") |> ignore
                    failtestf "accepted %s" body
                with :? SweepFileException as e ->
                    Expect.stringContains e.Message expected body
        }
    ]

/// A known objective on a mixed space: minimum 0 at lr = 1e-3, dropout = 0.15, 8 heads.
let private objective (o: JsonObject) =
    let num (k: string) =
        match SweepValues.TryNumber o.[k] with
        | true, x -> x
        | _ -> nan
    (log10 (num "lr") + 3.0) ** 2.0 + 8.0 * (num "dropout" - 0.15) ** 2.0 + (if num "heads" = 8.0 then 0.0 else 0.3)

let private bestAfter (method: string) seed budget =
    let sweep =
        parse (
            sprintf
                "method: %s\nmetric: {name: loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 1e-6, max: 1.0}\n  dropout: {min: 0.0, max: 0.6}\n  heads: {values: [4, 8, 16]}\n"
                method
        )
    let s = Suggesters.For(sweep, seed)
    let history = Collections.Generic.List<Observation>()
    for i in 0 .. budget - 1 do
        let p = s.Suggest(i, history.ToArray())
        history.Add(Observation(p, Nullable(objective p)))
    history |> Seq.map (fun o -> o.Loss.Value) |> Seq.min

let bayesTests =
    testList "sweep bayes" [
        test "bayes beats random search over the same budget (5 seeds, 30 trials)" {
            let results = [ for seed in 1..5 -> bestAfter "bayes" seed 30, bestAfter "random" seed 30 ]
            let wins = results |> List.filter (fun (b, r) -> b < r) |> List.length
            let meanB, meanR = results |> List.averageBy fst, results |> List.averageBy snd
            Expect.isGreaterThanOrEqual wins 4 (sprintf "bayes won %d of 5: %A" wins results)
            Expect.isLessThan meanB (meanR / 2.0) (sprintf "mean best: bayes %.4f, random %.4f" meanB meanR)
        }
        test "bayes is deterministic for a seed" { Expect.equal (bestAfter "bayes" 3 15) (bestAfter "bayes" 3 15) "same result" }
        test "running trials count as pending, so parallel proposals differ" {
            let sweep = parse "method: bayes\nmetric: {name: loss}\nparameters:\n  x: {min: 0.0, max: 1.0}\n"
            let s = Suggesters.For(sweep, 1)
            let observed = [|
                for i in 0..7 ->
                    let p = s.Suggest(i, [||]) in
                    Observation(
                        p,
                        Nullable(
                            objective (
                                JsonObject(
                                    dict [
                                        "lr", JsonValue.Create 1e-3 :> JsonNode
                                        "dropout", p.["x"].DeepClone()
                                        "heads", JsonValue.Create 8 :> JsonNode
                                    ]
                                )
                            )
                        )
                    )
            |]
            let a = s.Suggest(8, observed)
            let b = s.Suggest(9, Array.append observed [| Observation(a, Nullable()) |])
            Expect.notEqual (a.ToJsonString()) (b.ToJsonString()) "the second proposal moves away from the pending one"
        }
    ]

/// Trial i reports curves.[i] epoch by epoch; returns the epoch each trial was stopped at (None: ran to the end).
let private simulate (hb: Hyperband) (curves: float list list) =
    let metric = SweepMetric("loss", Goal.Minimize)
    let records = Collections.Generic.List<TrialRecord>()
    [
        for i, curve in List.indexed curves do
            let r = TrialRecord(Index = i)
            records.Add r
            let stoppedAt =
                curve
                |> List.indexed
                |> List.tryPick (fun (k, v) ->
                    let epoch = k + 1
                    r.AddEpoch(EpochMetrics(epoch, v, JsonObject()), metric)
                    if hb.IsRung epoch && not (isNull (HyperbandRule.Judge(hb, metric, epoch, r, records))) then Some epoch else None)
            yield stoppedAt
    ]

let hyperbandTests =
    testList "sweep hyperband" [
        test "stops a trial at a rung when it is not in the top 1/eta of the trials that reached it" {
            let hb = Hyperband(Nullable 1, Nullable(), 3.0, Nullable 3) // rungs 1, 3, 9
            let flatCurve v = List.replicate 10 v
            let stops = simulate hb [ flatCurve 1.0; flatCurve 2.0; flatCurve 0.5; flatCurve 0.8; flatCurve 0.4 ]
            // t1: rung 1 has [1, 2] -> keep 1, rank 2. t3: rung 1 [1, 2, .5, .8] keep 2, rank 2 -> on; rung 3 [1, .5,
            // .8] keep 1 -> stop
            // t4: best at every rung -> never stopped
            Expect.equal stops [ None; Some 1; None; Some 3; None ] "stop epochs"
        }
        test "compares the best value so far, not the last one" {
            let hb = Hyperband(Nullable 2, Nullable(), 2.0, Nullable 2) // rungs 2, 4
            let stops = simulate hb [ [ 1.0; 1.0; 1.0; 1.0 ]; [ 0.5; 3.0; 3.0; 3.0 ] ]
            Expect.equal stops [ None; None ] "0.5 at epoch 1 is its best at rung 2"
        }
        test "maximize goals rank the other way" {
            let metric = SweepMetric("auc", Goal.Maximize)
            let hb = Hyperband(Nullable 1, Nullable(), 2.0, Nullable 1)
            let a, b = TrialRecord(Index = 0), TrialRecord(Index = 1)
            a.AddEpoch(EpochMetrics(1, 0.9, JsonObject()), metric)
            b.AddEpoch(EpochMetrics(1, 0.6, JsonObject()), metric)
            Expect.isNull (HyperbandRule.Judge(hb, metric, 1, a, [ a; b ])) "0.9 goes on"
            Expect.stringContains (HyperbandRule.Judge(hb, metric, 1, b, [ a; b ])) "ranks 2 of 2" "0.6 stops"
        }
    ]

[<Tests>]
let tests = testList "sweeps" [ distributionTests; gridTests; parserTests; bayesTests; hyperbandTests ]
