/// `deepcoro report`: a run's self-contained HTML report, or a sweep's leaderboard report linking its trials' reports.
module DeepCoro.Cli.ReportCommand

open System
open System.IO
open Argu
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.Report
open DeepCoro.Runtime.Sweeps
open DeepCoro.Config.UserError

type ReportArgs =
    | Run of dir: string
    | Sweep of dir: string
    | Tokens_Grid of grid: string
    | Subgroups of columns: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Subgroups _ ->
                "per head and subgroup of the manifest's columns, e.g. sex,age:50,65,80 (cut at [50, 65) ...): a table and a forest plot per split."
            | Run _ -> "a run directory: writes RUN/report/index.html and its PNGs."
            | Sweep _ -> "a sweep directory: writes SWEEP/report/index.html (leaderboard, plots, links to each trial's report)."
            | Tokens_Grid _ -> "the tokens' layout T,H,W for the attention examples, e.g. 8,7,7 (default: the config's)."

/// The example studies of a report: the val studies with the largest and the smallest error in the run's
/// predictions, explained with the best model; or why there are none.
let private examples (run: string) (config: DeepCoro.Config.TrainConfig.TrainConfig) =
    if not (File.Exists(RunAccess.bestWeights run)) then
        [], [ "No best model (best.safetensors): the run has not finished an epoch, so there are no attention examples." ]
    else
        match PredictionTable.Read(Path.Combine(run, "predictions_val.csv"), "val", config.Spec.Heads) with
        | null -> [], [ "No predictions_val.csv (the run has not finished): no attention examples." ]
        | table ->
            let ranked = Explainer.ByError(table.Studies, config.Spec.Heads)
            if ranked.Count = 0 then
                [], [ "No labelled validation study: no attention examples." ]
            elif not (isNull config.Train.Encoder) then
                [],
                [
                    "The run fine-tunes its encoder, whose outputs the attention reads: no attention examples (embed the videos with the trained encoder and explain a probe trained on them)."
                ]
            else
                try
                    let probe, device = RunAccess.openModel run config None
                    use _ = probe.Module
                    let model = RunAccess.tokenProbe config probe
                    if model.ClsLevels.Count = 0 then
                        [], []
                    else
                        let data = Dataset.Open(config.Spec, config.Data)
                        let id (struct (id: string, _: float)) = id
                        let ids = set [ id ranked.[0]; id ranked.[ranked.Count - 1] ]
                        let wanted = data.Studies.Val |> Seq.filter (fun s -> ids.Contains s.Id) |> ResizeArray
                        List.ofSeq (Explainer.Explain(model, data, data.Studies.Val, wanted, device)), []
                with
                | :? DataException
                | :? FileNotFoundException
                | :? DirectoryNotFoundException as e ->
                    [], [ sprintf "The run's data could not be read (%s): no attention examples." e.Message ]

/// Writes RUN/report/index.html, with subgroup tables of the val and test predictions when columns are given;
/// returns its path.
let writeRunReportWith (run: string) (grid: string option) (subgroups: SubgroupColumn list) =
    let config = RunAccess.openConfig run
    let flag = grid
    let grid = ExplainCommand.tokenGrid flag config.Data
    // a grid typed on the command line must fit the tokens, as explain checks it
    if flag.IsSome then
        ExplainCommand.checkGrid flag grid (Dataset.Open(config.Spec, config.Data).Geometry)
    let examples, notes = examples run config
    let tables =
        if subgroups.IsEmpty then
            []
        else
            let columns = ResizeArray subgroups
            let values = SubgroupTables.read config columns
            [
                for split in [ "val"; "test" ] do
                    match PredictionTable.Read(Path.Combine(run, sprintf "predictions_%s.csv" split), split, config.Spec.Heads) with
                    | null -> ()
                    | table -> SubgroupTables.compute run config split table.Studies columns values
            ]
    if not subgroups.IsEmpty && tables.IsEmpty then
        fail (sprintf "%s: no predictions_val.csv or predictions_test.csv for --subgroups; the run has not finished" run)
    RunReport.Write(
        RunReportInputs(
            run,
            config.Spec,
            config.Data.LabelsMap,
            ResizeArray examples,
            Option.toObj grid,
            ResizeArray notes,
            Subgroups = ResizeArray tables
        )
    )

/// Writes RUN/report/index.html; returns its path. Shared by `report`, `train` and `demo`.
let writeRunReport (run: string) (grid: string option) = writeRunReportWith run grid []

/// Writes SWEEP/report/index.html, first writing the report of every trial run that has none.
let writeSweepReport (dir: string) =
    let store = SweepStore(dir)
    store.ReadManifest() |> ignore
    let sweep =
        try
            SweepFileParser.Parse(Path.GetFileName store.SweepPath, File.ReadAllText store.SweepPath)
        with :? SweepFileException as e ->
            fail e.Message
    let trials = store.Load(sweep).Trials |> List.ofSeq
    let notes = ResizeArray<string>()
    let reports = Collections.Generic.Dictionary<int, string>()
    for t in trials do
        let run = store.RunDir(t.Index, max 1 t.Attempts)
        let index = Path.Combine(run, "report", "index.html")
        if File.Exists index then
            reports.[t.Index] <- index
        elif File.Exists(Path.Combine(run, "model.ir.json")) && File.Exists(RunAccess.configFile run) then
            try
                reports.[t.Index] <- writeRunReport run None
            with e ->
                match CliError.userMessage e with
                | Some message -> notes.Add(sprintf "%s: no report (%s)" (TrialRecord.Name t.Index) message)
                | None -> reraise ()
    SweepReport.Write(store, sweep, trials, reports, notes)

let run (args: ParseResults<ReportArgs>) =
    match args.TryGetResult Run, args.TryGetResult Sweep with
    | Some run, None ->
        let subgroups = args.TryGetResult Subgroups |> Option.map (SubgroupTables.parse >> List.ofSeq) |> Option.defaultValue []
        printfn "report: %s" (writeRunReportWith run (args.TryGetResult Tokens_Grid) subgroups)
    | None, Some sweep when args.Contains Subgroups ->
        raise (CliError.UsageFailure "--subgroups: applies to a run's report (--run), not to a sweep's")
    | None, Some sweep -> printfn "report: %s" (writeSweepReport sweep)
    | _ -> args.Raise("report: give one of --run RUN or --sweep DIR", ErrorCode.CommandLine)
