/// `deepcoro sweep`: hyperparameter sweeps from W&B-format sweep files, run locally in parallel or as a Slurm job array.
module DeepCoro.Cli.SweepCommand

open System
open System.IO
open System.Threading
open Argu
open DeepCoro.Runtime.Sweeps
open DeepCoro.Config
open DeepCoro.Config.UserError

type StatusArgs =
    | [<MainCommand; Mandatory>] Sweep_Dir of dir: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Sweep_Dir _ -> "the sweep directory (--output or --emit-slurm of the sweep)."

type TrialArgs =
    | [<MainCommand; Mandatory>] Trial_Dir of dir: string
    | [<Mandatory>] Index of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Trial_Dir _ -> "the sweep directory written by --emit-slurm."
            | Index _ -> "the trial to run (the Slurm array task id)."

type SweepArgs =
    | [<CliPrefix(CliPrefix.None)>] Status of ParseResults<StatusArgs>
    | [<CliPrefix(CliPrefix.None)>] Trial of ParseResults<TrialArgs>
    | Base of path: string
    | Sweep of path: string
    | Trials of count: int
    | Parallel of count: int
    | Output of dir: string
    | Seed of int
    | Trial_Command of template: string
    | Emit_Slurm of dir: string
    | Partition of name: string
    | Time of limit: string
    | Cpus of count: int
    | Mem of size: string
    | Gpus of count: int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Status _ -> "leaderboard, best config and plots of a sweep directory (also one that Slurm tasks filled)."
            | Trial _ -> "run one trial of an emitted sweep (what each Slurm array task calls)."
            | Base _ -> "the base training config; each trial is it with the sampled values merged in."
            | Sweep _ -> "the W&B-format sweep file (method, metric, parameters, early_terminate)."
            | Trials _ -> "number of trials (default: run_cap of the sweep file; grid: the whole grid)."
            | Parallel _ -> "trials run at once, each in its own process (default 1)."
            | Output _ -> "the sweep directory (default runs/sweep-<sweep file name>); rerun to resume."
            | Seed _ -> "seed of the random and bayes searches (default 0)."
            | Trial_Command _ -> "command run per trial, {config} {output} {trial} filled in (default: deepcoro train --config {config} --output {output})."
            | Emit_Slurm _ -> "write trial configs and an sbatch job array into this directory instead of running."
            | Partition _ -> "Slurm partition of the array tasks."
            | Time _ -> "Slurm time limit per task, e.g. 02:00:00."
            | Cpus _ -> "Slurm CPUs per task."
            | Mem _ -> "Slurm memory per task, e.g. 32G."
            | Gpus _ -> "Slurm GPUs per task."

/// The deepcoro executable that trials and Slurm tasks call: the apphost beside this assembly, else `dotnet deepcoro.dll`.
let deepcoroCommand () =
    let dll = typeof<StatusArgs>.Assembly.Location
    let apphost = Path.Combine(Path.GetDirectoryName dll, "deepcoro")
    if File.Exists apphost then [ apphost ]
    else
        let host = Environment.ProcessPath
        let dotnet = if not (isNull host) && Path.GetFileNameWithoutExtension host = "dotnet" then host else "dotnet"
        [ dotnet; dll ]

/// Splits a command template into arguments: whitespace separates, single or double quotes group.
let splitCommand (template: string) =
    let args = Collections.Generic.List<string>()
    let current = Text.StringBuilder()
    let mutable quote = None
    let mutable any = false
    for ch in template do
        match quote with
        | Some q when ch = q -> quote <- None
        | Some _ -> current.Append ch |> ignore
        | None when ch = '\'' || ch = '"' -> quote <- Some ch; any <- true
        | None when Char.IsWhiteSpace ch ->
            if current.Length > 0 || any then args.Add(current.ToString())
            current.Clear() |> ignore
            any <- false
        | None -> current.Append ch |> ignore
    if quote.IsSome then fail (sprintf "--trial-command: unclosed quote in '%s'" template)
    if current.Length > 0 || any then args.Add(current.ToString())
    List.ofSeq args

let private loadSweep (path: string) (text: string) =
    try SweepFileParser.Parse(Path.GetFileName path, text)
    with :? SweepFileException as e -> fail e.Message

let private readFile what (path: string) =
    if not (File.Exists path) then fail (sprintf "%s: file not found (%s)" path what)
    File.ReadAllText path

/// Final outputs of a sweep directory: leaderboard, best_config.yaml, plots.
let private report (store: SweepStore) (sweep: SweepDefinition) =
    let trials = store.LoadAll().Values |> List.ofSeq
    SweepDisplay.leaderboard sweep.Metric trials 10 |> List.iter (printfn "%s")
    match Leaderboard.WriteBestConfig(store, trials, sweep.Metric) with
    | null -> printfn "no trial reported %s yet: no best config" sweep.Metric.Name
    | path -> printfn "best config: %s" path
    let plots = SweepPlots.Write(store, sweep, trials)
    if plots.Count > 0 then printfn "plots: %s" (Path.Combine(store.Dir, "plots"))
    trials

let private runnerFor (store: SweepStore) (sweep: SweepDefinition) (manifest: SweepManifest) observer =
    let config = SweepConfig(store.BasePath, manifest.BaseDir, File.ReadAllText store.BasePath, sweep.Parameters)
    let runner =
        SweepRunner(store, sweep, config, Suggesters.For(sweep, manifest.Seed), SweepValidation.Validator(),
                    ProcessTrialLauncher(manifest.Command), observer)
    runner, config

let private statusCommand (args: ParseResults<StatusArgs>) =
    let store = SweepStore(args.GetResult Sweep_Dir)
    store.ReadManifest() |> ignore
    let sweep = loadSweep store.SweepPath (File.ReadAllText store.SweepPath)
    report store sweep |> ignore

let private trialCommand (args: ParseResults<TrialArgs>) =
    let store = SweepStore(args.GetResult Trial_Dir)
    let manifest = store.ReadManifest()
    let sweep = loadSweep store.SweepPath (File.ReadAllText store.SweepPath)
    let runner, _ = runnerFor store sweep manifest (SweepDisplay.LineObserver(sweep.Metric, stdout))
    let r = runner.RunOne(args.GetResult Index, TimeSpan.FromMilliseconds 500.0, CancellationToken.None)
    if r.Status = TrialStatus.Failed then fail (sprintf "%s failed: %s" (TrialRecord.Name r.Index) r.Reason)

let private sweepCommand (args: ParseResults<SweepArgs>) =
    let basePath = match args.TryGetResult Base with Some p -> p | None -> fail "sweep: --base <training config> is required"
    let sweepPath = match args.TryGetResult Sweep with Some p -> p | None -> fail "sweep: --sweep <sweep file> is required"
    let sweepText = readFile "--sweep" sweepPath
    let baseText = readFile "--base" basePath
    let sweep = loadSweep sweepPath sweepText
    for w in sweep.Warnings do eprintfn "%s" w
    let seed = args.GetResult(Seed, 0)
    let trialsAtOnce = args.GetResult(Parallel, 1)
    if trialsAtOnce < 1 then fail "--parallel: must be at least 1"
    let suggester = Suggesters.For(sweep, seed)
    let trials =
        match args.TryGetResult Trials, Option.ofNullable sweep.RunCap, Option.ofNullable suggester.Size with
        | Some n, _, _ when n < 1 -> fail "--trials: must be at least 1"
        | Some n, _, Some size -> min n size
        | Some n, _, None -> n
        | None, Some cap, Some size -> min cap size
        | None, Some cap, None -> cap
        | None, None, Some size -> size
        | None, None, None -> fail (sprintf "sweep: %s search needs --trials N (or run_cap in the sweep file)" (sweep.Method.ToString().ToLowerInvariant()))
    let command =
        match args.TryGetResult Trial_Command with
        | Some t -> splitCommand t
        | None -> deepcoroCommand () @ [ "train"; "--config"; "{config}"; "--output"; "{output}" ]
    let emit = args.TryGetResult Emit_Slurm
    let dir =
        match emit, args.TryGetResult Output with
        | Some _, Some _ -> fail "sweep: --emit-slurm names the sweep directory; drop --output"
        | Some d, None | None, Some d -> d
        | None, None -> Path.Combine("runs", "sweep-" + Path.GetFileNameWithoutExtension sweepPath)
    let store = SweepStore(dir)
    // checks the parameter targets before anything is written
    let baseDir = Path.GetDirectoryName(Path.GetFullPath basePath)
    SweepConfig(basePath, baseDir, baseText, sweep.Parameters) |> ignore
    let manifest =
        SweepManifest(sweep.Method.ToString().ToLowerInvariant(), sweep.Metric.Name, sweep.Metric.Goal.ToString().ToLowerInvariant(),
                      seed, trials, SweepStore.Sha256 sweepText, SweepStore.Sha256 baseText, baseDir, command)
    use _lock = store.Lock()
    let manifest = store.CreateOrCheck(sweepText, baseText, manifest)
    let runner, config = runnerFor store sweep manifest (SweepDisplay.LineObserver(sweep.Metric, stdout))
    for n in config.Notes do eprintfn "note: %s" n
    match emit with
    | Some _ ->
        if sweep.Method = SearchMethod.Bayes then
            fail "--emit-slurm: bayes proposes each trial from the results before it, so its trials cannot be written ahead; use random or grid, or run `deepcoro sweep` itself inside one Slurm allocation"
        if sweep.EarlyTerminate <> null then
            eprintfn "note: hyperband applies as array tasks report: each task compares with the records of the tasks before it"
        let existing = store.LoadAll()
        let first = if existing.Count = 0 then 0 else (Seq.max existing.Keys) + 1
        for i in first .. manifest.Trials - 1 do runner.Create(i, 1) |> ignore
        let all = store.LoadAll().Values |> List.ofSeq
        let runnable = all |> List.filter (fun r -> not r.IsFinal) |> List.map (fun r -> r.Index)
        for r in all do
            if r.Status = TrialStatus.Invalid then printfn "%s invalid, not in the array: %s" (TrialRecord.Name r.Index) r.Reason
        let slurm =
            SlurmOptions(args.TryGetResult Partition |> Option.toObj, args.TryGetResult Time |> Option.toObj,
                         args.TryGetResult Cpus |> Option.toNullable, args.TryGetResult Mem |> Option.toObj,
                         args.TryGetResult Gpus |> Option.toNullable, args.TryGetResult Parallel |> Option.toNullable)
        let script = SlurmScript.Write(store, runnable, deepcoroCommand (), slurm)
        printfn "%d trial configs in %s; %d in the array" all.Length (Path.Combine(store.Dir, "trials")) runnable.Length
        printfn "submit:  sbatch %s" script
        printfn "results: deepcoro sweep status %s" store.Dir
    | None ->
        use cancel = new CancellationTokenSource()
        let onCancel = ConsoleCancelEventHandler(fun _ e -> e.Cancel <- true; cancel.Cancel())
        Console.CancelKeyPress.AddHandler onCancel
        try
            printfn "sweep %s: %s search, %d trials, %d at a time, in %s" (Path.GetFileName sweepPath)
                (sweep.Method.ToString().ToLowerInvariant()) manifest.Trials trialsAtOnce store.Dir
            runner.Run(SweepRunOptions(manifest.Trials, trialsAtOnce, TimeSpan.FromMilliseconds 200.0), cancel.Token) |> ignore
        finally
            Console.CancelKeyPress.RemoveHandler onCancel
        let trials = report store sweep
        if cancel.IsCancellationRequested then fail (sprintf "sweep interrupted; run the same command again to resume (%s)" store.Dir)
        if trials |> List.forall (fun t -> not t.Final.HasValue) then
            fail (sprintf "no trial reported %s; see the reasons above and %s" sweep.Metric.Name (Path.Combine(store.Dir, "trials")))

let run (args: ParseResults<SweepArgs>) =
    match args.TryGetSubCommand() with
    | Some(Status a) -> statusCommand a
    | Some(Trial a) -> trialCommand a
    | _ -> sweepCommand args
