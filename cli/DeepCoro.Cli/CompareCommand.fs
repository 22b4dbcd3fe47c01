/// `deepcoro compare A B --head H`: two models' predictions of the same studies, matched by study; for a binary head
/// DeLong's paired test of the AUC difference, for any head a paired bootstrap interval of a metric's difference (a
/// survival head's C-index by default).
/// docs/comparison.md documents the definitions, the formats and the exit codes.
module DeepCoro.Cli.CompareCommand

open System
open System.IO
open System.Text.Json.Nodes
open Argu
open DeepCoro.Spec
open DeepCoro.Config
open DeepCoro.Config.OptionRules
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Training
open DeepCoro.Cli.CliError

type CompareArgs =
    | [<MainCommand; Mandatory>] Inputs of a_and_b: string list
    | [<Mandatory>] Head of name: string
    | Metric of name: string
    | Level of share: float
    | Split of name: string
    | Repeat of index: int
    | Resamples of count: int
    | Seed of seed: int
    | Json of path: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Inputs _ ->
                "A and B: run directories (their predictions_<split>.csv, or a cv output's oof_predictions.csv) or prediction files (this product's or DeepCORO_CLIP's *_predictions_epoch_*.csv)."
            | Head _ -> "the head to compare."
            | Metric _ -> "the metric whose difference is bootstrapped (default: auc, macro_auc for multiclass, mae for regression)."
            | Level _ -> "the intervals' level (default 0.95)."
            | Split _ -> "the split of run directories: predictions_<split>.csv (default test)."
            | Repeat _ -> "the repeat of a cv's oof_predictions.csv (default 0)."
            | Resamples _ -> "paired bootstrap resamples (default 1000)."
            | Seed _ -> "the bootstrap's seed (default 0)."
            | Json _ -> "also write the comparison as JSON to this file."

/// The exit codes of the faults a comparison names (documented in docs/comparison.md); 1 for other unreadable input.
let exitCode (problem: PredictionProblem) =
    match problem with
    | PredictionProblem.NoCommonStudy -> 3
    | PredictionProblem.HeadMissing -> 4
    | PredictionProblem.UnknownFormat -> 5
    | _ -> ExitCode.failure

let private defaultMetric (task: TaskKind) =
    match task with
    | TaskKind.Binary -> "auc"
    | TaskKind.Regression -> "mae"
    | TaskKind.Survival -> "c_index"
    | _ -> "macro_auc"

/// What a metric is, said next to its number.
let private definition (task: TaskKind) (metric: string) =
    match task, metric with
    | TaskKind.Binary, "auc" -> "ROC AUC (Mann-Whitney, ties count one half)"
    | TaskKind.Binary, "auprc" -> "average precision"
    | TaskKind.Binary, m -> sprintf "%s at each model's own sqrt(TPR (1 - FPR)) threshold chosen on these rows (positive when p >= it)" m
    | TaskKind.Regression, "mae" -> "mean absolute error"
    | TaskKind.Regression, "mse" -> "mean squared error"
    | TaskKind.Regression, "rmse" -> "root mean squared error"
    | TaskKind.Regression, "pearson" -> "Pearson correlation of prediction and label"
    | TaskKind.Regression, _ -> "R² = 1 - SSE / SST"
    | TaskKind.Survival, "c_index" ->
        "Harrell's C: the share of comparable pairs (the earlier time an event) whose earlier one has the higher risk, risk ties count one half"
    | TaskKind.Survival, "uno_c" ->
        "Uno's C, inverse-probability-of-censoring weighted, truncated at the last horizon (quartiles of the event times)"
    | TaskKind.Survival, m -> sprintf "%s (docs/survival.md)" m
    | _, "macro_auc" -> "mean one-vs-rest ROC AUC over the classes present"
    | _, "micro_auc" -> "ROC AUC over every (study, class) pair"
    | _, "auprc" -> "mean one-vs-rest average precision"
    | _, "accuracy" -> "share of studies whose argmax class is the label"
    | _, m -> sprintf "macro %s of the argmax class" m

/// The metric's name in Metrics.Names, from it or from the reference's alias of it.
let private resolveMetric (task: TaskKind) (name: string) =
    let names = Metrics.Names task |> Seq.filter (fun n -> n <> "best_threshold") |> List.ofSeq
    let alias = Metrics.ReferenceNames |> Seq.tryFind (fun kv -> kv.Value = name) |> Option.map (fun kv -> kv.Key)
    match alias with
    | Some n when List.contains n names -> n
    | _ when List.contains name names -> name
    | _ ->
        raise (
            UsageFailure(
                sprintf
                    "--metric %s: not a metric of a %s head; expected one of %s"
                    name
                    (task.ToString().ToLowerInvariant())
                    (String.Join(", ", names))
            )
        )

/// The prediction file an input names: the file itself, or a run directory's predictions of the split: its
/// `predictions_<split>.csv`, else in its `predictions/` folder (DeepCORO_CLIP's layout) the split's best-epoch
/// file or its only epoch file, else (no --split given) a cv output's `oof_predictions.csv`.
let private resolve (input: string) (split: string option) =
    if Directory.Exists input then
        let name = defaultArg split "test"
        let wanted = Path.Combine(input, sprintf "predictions_%s.csv" name)
        let folder = Path.Combine(input, "predictions")
        let reference pattern = if Directory.Exists folder then Directory.GetFiles(folder, pattern) |> Array.sort else [||]
        let best, epochs = reference (sprintf "%s_predictions_best_epoch_*.csv" name), reference (sprintf "%s_predictions_epoch_*.csv" name)
        let oof = Path.Combine(input, "oof_predictions.csv")
        if File.Exists wanted then
            wanted
        elif best.Length = 1 then
            best.[0]
        elif best.Length = 0 && epochs.Length = 1 then
            epochs.[0]
        elif best.Length + epochs.Length > 1 then
            raise (
                PredictionFileException(
                    PredictionProblem.Unreadable,
                    sprintf
                        "%s: several %s prediction files in predictions/ (%s); give the one to compare"
                        input
                        name
                        (String.Join(", ", Array.append best epochs |> Array.map Path.GetFileName))
                )
            )
        elif split.IsNone && File.Exists oof then
            oof
        else
            raise (
                PredictionFileException(
                    PredictionProblem.Unreadable,
                    sprintf
                        "%s: no %s (a run directory's), no predictions/%s_predictions_*epoch_*.csv (DeepCORO_CLIP's)%s; give a prediction file or another --split"
                        input
                        (Path.GetFileName wanted)
                        name
                        (if split.IsNone then " nor oof_predictions.csv (a cv output's)" else "")
                )
            )
    else
        match split with
        | Some s -> raise (UsageFailure(sprintf "--split %s: %s is a file, not a run directory; the split is the file's own" s input))
        | None -> input

let private number (v: float) : JsonNode = if Double.IsFinite v then JsonValue.Create v :> JsonNode else null

let private pair (lower: float) (upper: float) = JsonArray(number lower, number upper)

let private format (f: PredictionFile) =
    match f.Format with
    | PredictionFormat.Reference -> "DeepCORO_CLIP predictions"
    | PredictionFormat.OutOfFold -> "cv out-of-fold predictions"
    | _ -> "deepcoro predictions"

let private f4 (v: float) = if Double.IsFinite v then v.ToString("0.0000", Globalization.CultureInfo.InvariantCulture) else "n/a"

let run (args: ParseResults<CompareArgs>) =
    let inputs = args.GetResult Inputs
    if inputs.Length <> 2 then
        raise (UsageFailure(sprintf "compare takes two inputs, A and B; got %d (%s)" inputs.Length (String.Join(" ", inputs))))
    let level =
        args.GetResult(Level, defaultValue = 0.95) |> checkFloat "--level" { Integer = false; Low = Exclusive 0.0; High = Exclusive 1.0 }
    let resamples = args.GetResult(Resamples, defaultValue = 1000) |> checkInt "--resamples" OptionRules.countOrZero
    let seed = args.GetResult(Seed, defaultValue = 0)
    let split = args.TryGetResult Split
    let repeat = args.TryGetResult Repeat
    let pathA, pathB = resolve inputs.[0] split, resolve inputs.[1] split
    let json = args.TryGetResult Json
    json |> Option.iter (fun j -> refuseInputAsOutput "--json" j [ "A", pathA; "B", pathB ])
    let fileA = PredictionFile.Read(pathA, Option.toNullable repeat)
    let fileB = PredictionFile.Read(pathB, Option.toNullable repeat)
    if repeat.IsSome && fileA.Format <> PredictionFormat.OutOfFold && fileB.Format <> PredictionFormat.OutOfFold then
        raise (UsageFailure(sprintf "--repeat %d: neither input is a cv's oof_predictions.csv (the only files with repeats)" repeat.Value))
    let head = args.GetResult Head
    let matched = MatchedPredictions.Match(fileA, fileB, head)
    let metric = args.TryGetResult Metric |> Option.map (resolveMetric matched.Task) |> Option.defaultValue (defaultMetric matched.Task)
    let samplesA, samplesB = matched.Samples true, matched.Samples false
    let index = samplesA.Names |> Seq.findIndex ((=) metric)
    let valueA, valueB = samplesA.Evaluate().[metric], samplesB.Evaluate().[metric]
    let options = IntervalOptions().With(level = level, resamples = resamples)
    let paired = PairedSamples(samplesA, samplesB)
    let interval (s: HeadSamples) = (Bootstrap.Intervals(s, options, seed, 0)).[index]
    let diff, ciA, ciB = interval paired, interval samplesA, interval samplesB
    let positive = matched.Labels |> Array.map (fun v -> v > 0.5)
    let delong =
        if matched.Task = TaskKind.Binary then
            Some(
                DeLong.Paired(matched.ScoresA |> Array.map (fun s -> s.[0]), matched.ScoresB |> Array.map (fun s -> s.[0]), positive, level)
            )
        else
            None
    let splitText = if fileA.Split = fileB.Split then fileA.Split else sprintf "%s (A), %s (B)" fileA.Split fileB.Split
    let percent = level * 100.0
    printfn "compare: head '%s' (%s), split %s, %g %% intervals" head (matched.Task.ToString().ToLowerInvariant()) splitText percent
    printfn "  A  %s  (%s)" fileA.Path (format fileA)
    printfn "  B  %s  (%s)" fileB.Path (format fileB)
    let classes =
        if matched.Task = TaskKind.Binary then
            let p = positive |> Array.filter id |> Array.length
            sprintf " (%d positive, %d negative)" p (matched.Count - p)
        elif matched.Task = TaskKind.Survival then
            let e = matched.Events |> Array.filter (fun v -> v = 1.0) |> Array.length
            sprintf " (%d events, %d censored)" e (matched.Count - e)
        else
            ""
    printfn
        "  studies: %d matched by %s%s; %d only in A, %d only in B, %d common without a label or score (left out)"
        matched.Count
        fileA.KeyColumn
        classes
        matched.OnlyInA
        matched.OnlyInB
        matched.Unlabelled
    printfn "  %-22s %8s %8s %9s  %-22s %s" "" "A" "B" "A - B" (sprintf "%g %% interval" percent) "p"
    match delong with
    | Some t ->
        printfn
            "  %-22s %8s %8s %9s  %-22s %s"
            "AUC, DeLong"
            (f4 t.AucA)
            (f4 t.AucB)
            (f4 t.Difference)
            (sprintf "[%s, %s]" (f4 t.Lower) (f4 t.Upper))
            (sprintf "%s (z %s)" (f4 t.P) (f4 t.Z))
    | None -> ()
    let boot = if resamples = 0 then "not bootstrapped" else sprintf "[%s, %s]" (f4 diff.Lower) (f4 diff.Upper)
    printfn "  %-22s %8s %8s %9s  %-22s" (metric + ", bootstrap") (f4 valueA) (f4 valueB) (f4 (valueA - valueB)) boot
    if delong.IsSome then
        printfn
            "  DeLong: paired test of two correlated AUCs (DeLong et al. 1988), z = (A - B) / SE, two-sided p, normal interval of A - B."
    printfn
        "  %s: %s; paired percentile bootstrap, %d resamples of the same studies for both models%s, seed %d."
        metric
        (definition matched.Task metric)
        resamples
        (if matched.Task = TaskKind.Binary || matched.Task = TaskKind.Multiclass then " within each class" else "")
        seed
    match json with
    | None -> ()
    | Some path ->
        let o = JsonObject()
        o["head"] <- JsonValue.Create head
        o["task"] <- JsonValue.Create(matched.Task.ToString().ToLowerInvariant())
        o["split"] <- JsonValue.Create splitText
        o["level"] <- JsonValue.Create level
        let describe (f: PredictionFile) =
            let d = JsonObject()
            d["path"] <- JsonValue.Create(Path.GetFullPath f.Path)
            d["format"] <- JsonValue.Create(f.Format.ToString().ToLowerInvariant())
            d["rows"] <- JsonValue.Create f.Rows
            d
        o["a"] <- describe fileA
        o["b"] <- describe fileB
        o["n"] <- JsonValue.Create matched.Count
        if matched.Task = TaskKind.Binary then
            let p = positive |> Array.filter id |> Array.length
            o["positives"] <- JsonValue.Create p
            o["negatives"] <- JsonValue.Create(matched.Count - p)
        if matched.Task = TaskKind.Survival then
            o["events"] <- JsonValue.Create(matched.Events |> Array.filter (fun v -> v = 1.0) |> Array.length)
        let unmatched = JsonObject()
        unmatched["only_in_a"] <- JsonValue.Create matched.OnlyInA
        unmatched["only_in_b"] <- JsonValue.Create matched.OnlyInB
        unmatched["without_label_or_score"] <- JsonValue.Create matched.Unlabelled
        o["unmatched"] <- unmatched
        match delong with
        | Some t ->
            o["auc_a"] <- number t.AucA
            o["auc_b"] <- number t.AucB
            let d = JsonObject()
            d["difference"] <- number t.Difference
            d["ci"] <- pair t.Lower t.Upper
            d["z"] <- number t.Z
            d["p"] <- number t.P
            d["standard_error"] <- number t.StandardError
            d["level"] <- JsonValue.Create level
            o["delong"] <- d
        | None -> ()
        let b = JsonObject()
        b["metric"] <- JsonValue.Create metric
        b["definition"] <- JsonValue.Create(definition matched.Task metric)
        b["a"] <- number valueA
        b["b"] <- number valueB
        b["difference"] <- number (valueA - valueB)
        b["ci"] <- pair diff.Lower diff.Upper
        b["ci_a"] <- pair ciA.Lower ciA.Upper
        b["ci_b"] <- pair ciB.Lower ciB.Upper
        b["level"] <- JsonValue.Create level
        b["resamples"] <- JsonValue.Create resamples
        b["seed"] <- JsonValue.Create seed
        b["stratified"] <- JsonValue.Create(matched.Task = TaskKind.Binary || matched.Task = TaskKind.Multiclass)
        o["bootstrap"] <- b
        AtomicFile.WriteText(path, o.ToJsonString(Text.Json.JsonSerializerOptions(WriteIndented = true)) + "\n")
        printfn "  wrote %s" path
