/// `deepcoro evaluate`: a trained run on a new cohort (external validation). The run's model, its locked thresholds
/// and nothing else are applied; nothing is fitted on the cohort.
module DeepCoro.Cli.EvaluateCommand

open System
open System.IO
open Argu
open DeepCoro.Spec
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Report
open DeepCoro.Runtime.Training
open DeepCoro.Config
open DeepCoro.Config.UserError
open DeepCoro.Cli.CliError

type EvaluateArgs =
    | [<Mandatory; Unique>] Run of dir: string
    | [<Mandatory; Unique>] Data of path: string
    | [<Unique>] Output of dir: string
    | [<Unique>] Weights of path: string
    | [<Unique>] Subgroups of columns: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Run _ -> "a run directory written by train (its model, best weights and thresholds.json)."
            | Data _ ->
                "the cohort: a manifest CSV with the run's columns, or a config of either layout whose data keys name its manifest and columns."
            | Output _ -> "folder for predictions.csv, metrics.csv, evaluation.json and report/ (default RUN/evaluate/<name of --data>)."
            | Weights _ -> "weights (default RUN/best.safetensors)."
            | Subgroups _ -> "also per head and subgroup of the cohort manifest's columns, e.g. sex,age:50,65,80, at the locked thresholds."

/// The data options of the cohort: the run's with another manifest, or those of a config (its columns, its labels).
let private cohortData (config: TrainConfig.TrainConfig) (data: string) =
    let full = Path.GetFullPath data
    requireFile "--data" full
    let ext = Path.GetExtension(full).ToLowerInvariant()
    if ext = ".yaml" || ext = ".yml" then
        (RunAccess.loadConfig full ConfigFile.defaultOptions).Data.With(labelsRequired = false)
    else
        config.Data.WithManifest(full, null).With(labelsRequired = false)

let private F (v: float) = if Double.IsFinite v then v.ToString("0.####", Globalization.CultureInfo.InvariantCulture) else "-"

/// One HTML page: the metric table at the locked thresholds and, per classification head, ROC, reliability diagram and
/// confusion matrix; per regression head, the scatter and the binned calibration plot.
let private writeReport
    (dir: string)
    (config: TrainConfig.TrainConfig)
    (results: SplitResults)
    (locked: LockedThresholds)
    (metrics: Collections.Generic.IReadOnlyDictionary<string, float>)
    (intervals: Collections.Generic.IReadOnlyDictionary<string, MetricInterval>)
    (notes: string list)
    (subgroups: SubgroupTable option)
    =
    let page = HtmlPage("External evaluation: " + config.Spec.Name)
    page.Paragraph(
        "The run's model, its operating thresholds (chosen on its validation split and locked) and nothing else: nothing was fitted on this cohort."
    )
    |> ignore
    for n in notes do
        page.Paragraph(n, "note") |> ignore
    let rows =
        metrics
        |> Seq.map (fun kv ->
            let ci =
                match intervals.TryGetValue kv.Key with
                | true, i -> sprintf "[%s, %s]" (F i.Lower) (F i.Upper)
                | _ -> ""
            [| box kv.Key; box (F kv.Value); box ci |] :> Collections.Generic.IReadOnlyList<obj>)
    page.Table([| "metric"; "value"; "interval" |], rows) |> ignore
    let figures = Collections.Generic.List<Figure>()
    config.Spec.Heads
    |> Seq.iteri (fun h head ->
        let labelled = results.Labelled h
        if labelled.HasValue then
            let struct (scores, labels) = labelled.Value
            match head.Task with
            | TaskKind.Regression ->
                let pairs = [| struct ("external", labels, scores |> Array.map (fun s -> s[0])) |]
                figures.Add(ReportCharts.Scatter(head.Name, pairs))
                figures.Add(RegressionCalibrationChart.Of(head.Name, pairs))
            | TaskKind.Binary ->
                let t = locked.For(head.Name)
                let score = scores |> Array.map (fun s -> s[0])
                let positive = labels |> Array.map (fun v -> v > 0.5)
                figures.Add(ReportCharts.Roc(head.Name, [| struct ("external", score, positive) |], t.Value))
                figures.Add(ReportCharts.Calibration(head.Name, [| struct ("external", score, positive) |]))
                figures.Add(
                    ReportCharts.Confusion(
                        head.Name,
                        "external",
                        RunAccess.classNames config head,
                        positive |> Array.map (fun p -> if p then 1 else 0),
                        score |> Array.map (fun s -> if s >= t.Value then 1 else 0),
                        sprintf "positive when P >= %s (%s, %s, locked)" (F t.Value) t.Rule t.ChosenOn
                    )
                )
            // a survival head's metrics are in the table; its Kaplan-Meier curves need the training split's risks
            | TaskKind.Survival -> ()
            | _ ->
                let truth = labels |> Array.map int
                let predicted = scores |> Array.map (fun s -> Array.IndexOf(s, Array.max s))
                let hit = Array.map2 (=) truth predicted
                figures.Add(ReportCharts.Calibration(head.Name, [| struct ("external", scores |> Array.map Array.max, hit) |]))
                figures.Add(
                    ReportCharts.Confusion(
                        head.Name,
                        "external",
                        RunAccess.classNames config head,
                        truth,
                        predicted,
                        "predicted = the most probable class"
                    )
                ))
    page.Figures figures |> ignore
    subgroups |> Option.iter (fun table -> figures.AddRange(SubgroupReport.Add(page, table)))
    let report = Path.Combine(dir, "report")
    Figure.Save(report, figures) |> ignore
    let index = Path.Combine(report, "index.html")
    AtomicFile.WriteText(index, page.Render())
    index

/// What was applied, for whoever reads the folder later: the run, the cohort,
/// the thresholds and that nothing was fitted.
let private writeManifestOfWork (path: string) (run: string) (data: string) (count: int) (notes: string list) =
    AtomicFile.Write(
        path,
        fun stream ->
            use json = new Text.Json.Utf8JsonWriter(stream, Text.Json.JsonWriterOptions(Indented = true))
            json.WriteStartObject()
            json.WriteString("run", Path.GetFullPath run)
            json.WriteString("data", Path.GetFullPath data)
            json.WriteNumber("studies", count)
            json.WriteString("thresholds", Path.Combine(Path.GetFullPath run, "thresholds.json"))
            if File.Exists(Path.Combine(run, "calibration.json")) then
                json.WriteString("calibration", Path.Combine(Path.GetFullPath run, "calibration.json"))
            json.WriteString(
                "fitted_on_cohort",
                "nothing: the run's model, locked thresholds and recalibration (if any) are applied unchanged"
            )
            json.WriteStartArray("notes")
            for n in notes do
                json.WriteStringValue n
            json.WriteEndArray()
            json.WriteEndObject()
    )

let run (args: ParseResults<EvaluateArgs>) =
    let runDir = args.GetResult EvaluateArgs.Run
    let data = args.GetResult EvaluateArgs.Data
    let output = args.GetResult(EvaluateArgs.Output, Path.Combine(runDir, "evaluate", Path.GetFileNameWithoutExtension data))
    refuseInputAsOutput "--output" output [ "--run", runDir; "--data", data ]
    let config, model, device = RunAccess.openRun runDir (args.TryGetResult EvaluateArgs.Weights)
    use _ = model.Module
    let locked =
        match RunAccess.lockedThresholds config runDir with
        | Some l -> l
        | None when config.Spec.Heads |> Seq.forall (fun h -> h.Task = TaskKind.Regression || h.Task = TaskKind.Survival) ->
            LockedThresholds.None
        | None ->
            fail (
                sprintf
                    "%s: no thresholds.json: the run was trained before thresholds were locked on validation; retrain it (or run `deepcoro eval`) so that evaluate applies thresholds chosen on validation, not on this cohort"
                    runDir
            )
    let subgroups = args.TryGetResult EvaluateArgs.Subgroups |> Option.map SubgroupTables.parse
    let cohort = cohortData config data
    // the cohort's columns, read before the model runs so that a missing one fails at once
    let values = subgroups |> Option.map (SubgroupTables.readFrom cohort)
    let dataset = TrainCommands.openData config cohort []
    let all = [ dataset.Studies.Train; dataset.Studies.Val; dataset.Studies.Test ] |> Seq.concat |> Seq.toArray
    let raw = Trainer.EvaluateWith(model, dataset, config.Spec, config.Train.Loss, device, all)
    // recalibrated as the run was, fitted on its validation split (calibration.json), and Cox heads' baseline hazards
    // fitted on its training split (baseline_hazard.json), never on this cohort
    let recalibration = RunAccess.recalibrationOf runDir
    let results = RunAccess.adjusted config runDir raw
    Directory.CreateDirectory output |> ignore
    let predictions = Path.Combine(output, "predictions.csv")
    results.WritePredictions predictions
    printfn "wrote %s: %d studies" predictions results.Count
    let notes = [
        for h, head in Seq.indexed config.Spec.Heads do
            if not (results.Labelled h).HasValue then
                let column =
                    match cohort.LabelColumns.TryGetValue head.Name with
                    | true, c -> c
                    | _ -> head.Name
                sprintf
                    "head %s: no labelled study in %s (its label column '%s' is missing or empty): predictions written, metrics skipped"
                    head.Name
                    data
                    column
    ]
    for n in notes do
        eprintfn "note: %s" n
    let struct (metrics, intervals) =
        results.LockedMetrics(
            "external",
            locked,
            config.Train.Thresholds,
            RunAccess.classNames config,
            config.Train.Intervals,
            config.Train.Seed
        )
    raw.AddUncalibrated("external", recalibration, config.Train.Intervals, config.Train.Seed, metrics, intervals)
    let table = Path.Combine(output, "metrics.csv")
    MetricsTable.Write(table, metrics, intervals, config.Train.Intervals)
    writeManifestOfWork (Path.Combine(output, "evaluation.json")) runDir data results.Count notes
    let subgroupTable =
        subgroups
        |> Option.map (fun columns ->
            let studies =
                results.Rows
                |> Seq.map (fun struct (study, _, scores) -> StudyScores(study.Id, study.Labels, scores, Events = study.Events))
                |> ResizeArray
            SubgroupTables.compute runDir config "external" studies columns values.Value)
    let index = writeReport output config results locked metrics intervals notes subgroupTable
    TrainDisplay.printMetrics metrics intervals
    printfn
        "wrote %s (metrics at the run's locked thresholds, %g%% intervals) and %s; nothing was fitted on this cohort"
        table
        (100.0 * config.Train.Intervals.Level)
        index
    subgroupTable
    |> Option.iter (fun table ->
        printfn ""
        SubgroupReport.Lines table |> Seq.iter (printfn "%s"))
