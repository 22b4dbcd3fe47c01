/// `deepcoro sweep`: hyperparameter sweeps from W&B sweep files, spread over agents that share a sweep directory.
/// `sweep init` creates the directory, `sweep agent DIR` pulls trials from it (on any machine that sees it), `sweep`
/// itself is init plus P local agents (or, with --emit-slurm, an sbatch array of agents), `sweep status` reports.
module DeepCoro.Cli.SweepCommand

open System
open System.Diagnostics
open System.IO
open System.Runtime.InteropServices
open System.Threading
open Argu
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Sweeps
open DeepCoro.Config
open DeepCoro.Config.UserError

type InitArgs =
    | [<Mandatory>] Base of path: string
    | [<Mandatory>] Sweep of path: string
    | [<Mandatory>] Output of dir: string
    | Trials of count: int
    | Seed of int
    | Trial_Command of template: string
    | Stale_After of seconds: float
    | As_Reference_Built

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Base _ -> "the base training config; each trial is it with the sampled values merged in."
            | Sweep _ -> "the W&B-format sweep file (method, metric, parameters, early_terminate)."
            | Output _ -> "the sweep directory to create, on a file system every agent sees."
            | Trials _ -> "number of trials (default: run_cap of the sweep file; grid: the whole grid)."
            | Seed _ -> "seed of the random and bayes searches (default 0)."
            | Trial_Command _ ->
                "command run per trial, {config} {output} {trial} filled in (default: deepcoro train --config {config} --output {output})."
            | Stale_After _ -> "seconds without a heartbeat after which another machine's agent counts as dead (default 120)."
            | As_Reference_Built -> "every trial builds what DeepCORO_CLIP builds from its config (8 heads, separate layers, post-norm)."

type AgentArgs =
    | [<MainCommand; Mandatory>] Agent_Dir of dir: string
    | Count of trials: int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Agent_Dir _ -> "the sweep directory (made by sweep init, sweep --output or --emit-slurm)."
            | Count _ -> "run at most this many trials, then stop (default: until none is left)."

type StatusArgs =
    | [<MainCommand; Mandatory>] Status_Dir of dir: string
    | Follow

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Status_Dir _ -> "the sweep directory."
            | Follow -> "print each trial event as agents record it, until the sweep is done (Ctrl-C to stop watching)."

type SweepArgs =
    | [<CliPrefix(CliPrefix.None)>] Init of ParseResults<InitArgs>
    | [<CliPrefix(CliPrefix.None)>] Agent of ParseResults<AgentArgs>
    | [<CliPrefix(CliPrefix.None)>] Status of ParseResults<StatusArgs>
    | Base of path: string
    | Sweep of path: string
    | Trials of count: int
    | Parallel of count: int
    | Output of dir: string
    | Seed of int
    | Trial_Command of template: string
    | Stale_After of seconds: float
    | As_Reference_Built
    | Dry_Run
    | Emit_Slurm of dir: string
    | Agents of count: int
    | Count of trials: int
    | Partition of name: string
    | Time of limit: string
    | Cpus of count: int
    | Mem of size: string
    | Gpus of count: int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Init _ -> "create a sweep directory for agents (refused when the directory already holds a sweep)."
            | Agent _ -> "pull trials from a sweep directory and run them, one after another; run any number, anywhere."
            | Status _ -> "trials, leaderboard, best config and plots of a sweep directory, also while agents run."
            | Base _ -> "the base training config; each trial is it with the sampled values merged in."
            | Sweep _ -> "the W&B-format sweep file (method, metric, parameters, early_terminate)."
            | Trials _ -> "number of trials (default: run_cap of the sweep file; grid: the whole grid)."
            | Parallel _ -> "agents at once: local processes (default 1), or the Slurm array's % limit."
            | Output _ -> "the sweep directory (default runs/sweep-<sweep file name>); run again to resume."
            | Seed _ -> "seed of the random and bayes searches (default 0)."
            | Trial_Command _ ->
                "command run per trial, {config} {output} {trial} filled in (default: deepcoro train --config {config} --output {output})."
            | Stale_After _ -> "seconds without a heartbeat after which another machine's agent counts as dead (default 120)."
            | As_Reference_Built -> "every trial builds what DeepCORO_CLIP builds from its config (8 heads, separate layers, post-norm)."
            | Dry_Run -> "check everything and print where each parameter goes and the first trials; write nothing."
            | Emit_Slurm _ -> "create the sweep in this directory and write an sbatch array of agents instead of running."
            | Agents _ -> "Slurm: array tasks, each an agent (default: --parallel, else 1)."
            | Count _ -> "Slurm: trials per agent at most (default: until none is left)."
            | Partition _ -> "Slurm partition of the agents."
            | Time _ -> "Slurm time limit per agent, e.g. 08:00:00."
            | Cpus _ -> "Slurm CPUs per agent."
            | Mem _ -> "Slurm memory per agent, e.g. 32G."
            | Gpus _ -> "Slurm GPUs per agent."

/// The deepcoro executable that agents and trials call: the apphost beside this assembly, else `dotnet deepcoro.dll`.
let deepcoroCommand () =
    let dll = typeof<StatusArgs>.Assembly.Location
    let apphost = Path.Combine(Path.GetDirectoryName dll, "deepcoro")
    if File.Exists apphost then
        [ apphost ]
    else
        let host = Environment.ProcessPath
        let dotnet = if not (isNull host) && Path.GetFileNameWithoutExtension host = "dotnet" then host else "dotnet"
        [ dotnet; dll ]

/// The word of a trial command that stands for the agent's own deepcoro, so that agents on machines where it is
/// installed elsewhere still run it.
let private deepcoroWord = "{deepcoro}"

/// The default trial command: every trial is `deepcoro train` on its config. Flags every trial's training gets
/// (the reference's as-built behaviour, a device) belong in `trainFlags`, so all agents run the same.
let private trainCommand (trainFlags: string list) =
    [ deepcoroWord; "train" ] @ trainFlags @ [ "--config"; "{config}"; "--output"; "{output}" ]

let private expandCommand (command: string seq) =
    command |> List.ofSeq |> List.collect (fun w -> if w = deepcoroWord then deepcoroCommand () else [ w ])

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
        | None when ch = '\'' || ch = '"' ->
            quote <- Some ch
            any <- true
        | None when Char.IsWhiteSpace ch ->
            if current.Length > 0 || any then
                args.Add(current.ToString())
            current.Clear() |> ignore
            any <- false
        | None -> current.Append ch |> ignore
    if quote.IsSome then
        fail (sprintf "--trial-command: unclosed quote in '%s'" template)
    if current.Length > 0 || any then
        args.Add(current.ToString())
    List.ofSeq args

let private readFile what (path: string) =
    if not (File.Exists path) then
        fail (sprintf "%s: file not found (%s)" path what)
    File.ReadAllText path

let private loadSweep (name: string) (text: string) =
    try
        SweepFileParser.Parse(name, text)
    with :? SweepFileException as e ->
        fail e.Message

/// The key space of the base config's layout: where sweep parameters land in it.
let private keySpaceFor (baseFile: string) (baseText: string) : IParameterKeySpace = SweepKeySpace.TrainingKeySpace(baseFile, baseText)

/// A sweep file resolved against its base: the parameters that are swept and where each lands.
let private resolve (sweep: SweepDefinition) (baseFile: string) (baseDir: string) (baseText: string) =
    SweepConfig(sweep, baseFile, baseDir, baseText, keySpaceFor baseFile baseText)

/// Everything a new sweep needs, checked before anything is written: the sweep file, where each parameter goes, the
/// metric, the budget and the trial command.
type private Plan = { SweepText: string; BaseText: string; Config: SweepConfig; Manifest: SweepManifest }

/// What --dry-run shows first, errors included: the command W&B would have run and where each parameter goes.
let private printResolutions (sweep: SweepDefinition) (keySpace: IParameterKeySpace) =
    if sweep.WandbCommand.Count > 0 then
        printfn "%s: W&B would have run: %s" sweep.File (String.Join(" ", sweep.WandbCommand))
    printfn "parameters (against %s):" keySpace.Layout
    for struct (prm, r) in SweepConfig.Resolve(sweep, keySpace) do
        let where =
            match r.Kind with
            | KeyResolutionKind.Swept -> "-> " + String.Join(".", r.Path)
            | KeyResolutionKind.NotSwept -> "not swept: " + r.Message
            | _ -> "ERROR: " + r.Message
        printfn "  %-40s %s" prm.Name where

/// Trials of a random or bayes sweep that names no run_cap and gets no --trials.
let private defaultOpenEndedTrials = 50

/// The read options every trial of a sweep gets, from its trial command's flags.
let private trialOptions (command: string seq) =
    let command = List.ofSeq command
    {
        ConfigFile.defaultOptions with
            AsReferenceBuilt = List.contains "--as-reference-built" command
            ModelOnly = List.truncate 2 command <> [ deepcoroWord; "train" ]
    }

let private plan
    basePath
    sweepPath
    (trials: int option)
    seed
    (trialCommand: string option)
    (staleAfter: float option)
    (asReferenceBuilt: bool)
    (showResolutions: bool)
    =
    let sweepText = readFile "--sweep" sweepPath
    let baseText = readFile "--base" basePath
    let sweep = loadSweep (Path.GetFileName sweepPath) sweepText
    for w in sweep.Warnings do
        eprintfn "%s" w
    let baseFile = Path.GetFileName basePath
    // DeepCORO_CLIP's relative paths start from the working directory (its scripts run from the repository root)
    let baseDir =
        if SweepKeySpace.layoutOf baseFile baseText = Settings.Reference then
            Directory.GetCurrentDirectory()
        else
            Path.GetDirectoryName(Path.GetFullPath basePath)
    if showResolutions then
        printResolutions sweep (keySpaceFor baseFile baseText)
    // every problem at once: the parameters' and the metric's
    let config, parameterErrors =
        try
            Some(resolve sweep baseFile baseDir baseText), []
        with :? DeepCoro.Spec.DeepCoroUserException as e ->
            None, [ e.Message ]
    let command =
        match trialCommand with
        | Some t -> splitCommand t
        | None -> trainCommand (if asReferenceBuilt then [ "--as-reference-built" ] else [])
    let metricErrors =
        if trialCommand.IsSome then
            []
        else
            SweepValidation.metricProblem sweep.File basePath baseText (trialOptions command) sweep.Metric.Name |> Option.toList
    match config, parameterErrors @ metricErrors with
    | Some config, [] ->
        for w in config.Warnings do
            eprintfn "%s" w
        // a trial command of the user's own may read the keys its own way: only `deepcoro train` runs are compared
        if trialCommand.IsNone then
            for w in SweepValidation.ineffective sweep.File config basePath (trialOptions command) do
                eprintfn "%s" w
        let size = Option.ofNullable (Suggesters.For(config.Sweep, seed)).Size
        let budget =
            match trials, Option.ofNullable sweep.RunCap, size with
            | Some n, _, _ when n < 1 -> fail "--trials: must be at least 1"
            | Some n, _, Some size -> min n size
            | Some n, _, None -> n
            | None, Some cap, Some size -> min cap size
            | None, Some cap, None -> cap
            | None, None, Some size -> size
            | None, None, None ->
                // W&B runs such a sweep until someone stops it; agents here need an end to know the sweep is done
                eprintfn
                    "%s: warning: a %s search without run_cap runs until stopped under W&B; here it runs %d trials (--trials N to choose)"
                    sweep.File
                    (sweep.Method.ToString().ToLowerInvariant())
                    defaultOpenEndedTrials
                defaultOpenEndedTrials
        let stale = defaultArg staleAfter 120.0
        if stale < 10.0 then
            fail "--stale-after: at least 10 seconds (agents write a heartbeat every few seconds)"
        {
            SweepText = sweepText
            BaseText = baseText
            Config = config
            Manifest =
                SweepManifest(
                    sweep.Method.ToString().ToLowerInvariant(),
                    sweep.Metric.Name,
                    sweep.Metric.Goal.ToString().ToLowerInvariant(),
                    seed,
                    budget,
                    SweepStore.Sha256 sweepText,
                    SweepStore.Sha256 baseText,
                    baseDir,
                    command,
                    min 20.0 (stale / 6.0),
                    stale
                )
        }
    | _, errors -> fail (String.Join("\n", errors))

/// A sweep directory's sweep, resolved against its copy of the base config.
let private openSweep (store: SweepStore) =
    let manifest = store.ReadManifest()
    let sweep = loadSweep "sweep.yaml" (File.ReadAllText store.SweepPath)
    manifest, resolve sweep "base.yaml" manifest.BaseDir (File.ReadAllText store.BasePath)

let private warnSharedLocks (store: SweepStore) = SharedLockCheck.Warning(store.Dir) |> Option.ofObj |> Option.iter (eprintfn "warning: %s")

/// Results of a sweep directory: progress, running trials, leaderboard, best_config.yaml, leaderboard.csv, plots.
let private report (store: SweepStore) (config: SweepConfig) (manifest: SweepManifest) =
    let state = store.Load(config.Sweep)
    let trials = List.ofSeq state.Trials
    printfn
        "sweep %s: %s search of %s (%s), %d of %d trials created%s"
        store.Dir
        manifest.Method
        manifest.Metric
        manifest.Goal
        trials.Length
        manifest.Trials
        (if trials.IsEmpty then "" else ": " + SweepDisplay.counts trials)
    let running = SweepDisplay.running store config.Sweep.Metric state
    if not running.IsEmpty then
        printfn "running:"
        running |> List.iter (printfn "%s")
    SweepDisplay.leaderboard config.Sweep.Metric trials 10 |> List.iter (printfn "%s")
    if not trials.IsEmpty then
        printfn "all trials: %s" (Leaderboard.WriteCsv(store, trials, config.Sweep))
    match Leaderboard.WriteBestConfig(store, trials, config.Sweep.Metric) with
    | null -> printfn "no trial reported %s yet: no best config" config.Sweep.Metric.Name
    | path -> printfn "best config: %s" path
    let plots = SweepPlots.Write(store, config.Sweep, trials)
    if plots.Count > 0 then
        printfn "plots: %s" store.PlotsDir
    trials

/// Ctrl-C and SIGTERM (Slurm's time limit) cancel instead of killing, so that the running trial is re-queued.
let private onStopSignals (cancel: CancellationTokenSource) =
    let handler =
        Action<PosixSignalContext>(fun ctx ->
            ctx.Cancel <- true
            cancel.Cancel())
    [ PosixSignalRegistration.Create(PosixSignal.SIGINT, handler); PosixSignalRegistration.Create(PosixSignal.SIGTERM, handler) ]

let private agentCommand (args: ParseResults<AgentArgs>) =
    let store = SweepStore(args.GetResult Agent_Dir)
    let manifest, config = openSweep store
    let count = args.TryGetResult AgentArgs.Count
    if count |> Option.exists (fun c -> c < 1) then
        fail "--count: must be at least 1"
    warnSharedLocks store
    let me = AgentIdentity.Current()
    let agent =
        SweepAgent(
            store,
            config,
            Suggesters.For(config.Sweep, manifest.Seed),
            SweepValidation.Validator(trialOptions manifest.Command),
            ProcessTrialLauncher(expandCommand manifest.Command),
            SweepAgentOptions.For(manifest, Option.toNullable count),
            SweepDisplay.LineObserver(config.Sweep.Metric, stdout),
            me
        )
    use cancel = new CancellationTokenSource()
    let signals = onStopSignals cancel
    try
        printfn "agent %O on %s: %s search of %s" me store.Dir manifest.Method manifest.Metric
        let result = agent.Run(cancel.Token)
        printfn "%s" (SweepDisplay.agentSummary me result)
        if result.Interrupted then
            fail (sprintf "agent %O stopped; its trial went back to the queue of %s" me store.Dir)
    finally
        signals |> List.iter (fun s -> s.Dispose())

let private statusCommand (args: ParseResults<StatusArgs>) =
    let store = SweepStore(args.GetResult Status_Dir)
    let manifest, config = openSweep store
    if args.Contains Follow then
        use cancel = new CancellationTokenSource()
        let signals = onStopSignals cancel
        try
            let follower = SweepDisplay.JournalFollower(store, config.Sweep, stdout)
            follower.CatchUp()
            printfn "%s: %s so far; following the journal" store.Dir (SweepDisplay.counts follower.State.Trials)
            let finished () =
                let trials = follower.State.Trials
                trials.Count >= store.ReadManifest().Trials && trials |> Seq.forall (fun t -> t.IsFinal)
            follower.Poll()
            while not (finished ()) && not cancel.IsCancellationRequested do
                cancel.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds 500.0) |> ignore
                follower.Poll()
        finally
            signals |> List.iter (fun s -> s.Dispose())
    report store config manifest |> ignore

let private initCommand (args: ParseResults<InitArgs>) =
    let p =
        plan
            (args.GetResult InitArgs.Base)
            (args.GetResult InitArgs.Sweep)
            (args.TryGetResult InitArgs.Trials)
            (args.GetResult(InitArgs.Seed, 0))
            (args.TryGetResult InitArgs.Trial_Command)
            (args.TryGetResult InitArgs.Stale_After)
            (args.Contains InitArgs.As_Reference_Built)
            false
    let store = SweepStore(args.GetResult InitArgs.Output)
    store.Init(p.SweepText, p.BaseText, p.Manifest) |> ignore
    warnSharedLocks store
    printfn "sweep %s: %s search of %s, %d trials" store.Dir p.Manifest.Method p.Manifest.Metric p.Manifest.Trials
    printfn "run agents (any number, on any machine that sees it): deepcoro sweep agent %s" store.Dir

/// What --dry-run shows after the parameters: the trial command, and the first trials with their config check.
let private dryRun (p: Plan) =
    let sweep = p.Config.Sweep
    printfn "%s: trials run: %s" sweep.File (String.Join(" ", p.Manifest.Command))
    let suggester = Suggesters.For(sweep, p.Manifest.Seed)
    let validator = SweepValidation.Validator(trialOptions p.Manifest.Command) :> ITrialValidator
    let shown = min p.Manifest.Trials 5
    printfn
        "%s search, %d trials; the first %d (each before any result: bayes starts with random draws):"
        p.Manifest.Method
        p.Manifest.Trials
        shown
    let earlier = Collections.Generic.List<Observation>()
    for i in 0 .. shown - 1 do
        let values = suggester.Suggest(i, earlier.ToArray())
        earlier.Add(Observation(values, Nullable()))
        let text = p.Config.Merge(values, "dry run")
        let check = validator.Check(Path.Combine(p.Manifest.BaseDir, TrialRecord.Name i + ".yaml"), text)
        printfn "  %s  %s%s" (TrialRecord.Name i) (SweepDisplay.paramText values) (if isNull check then "" else "  INVALID: " + check)

/// The one-machine form: P agent processes on this machine, their events printed from the journal; an agent killed
/// by a signal is replaced while work is left, so its trial (re-queued at once: its process is gone) still runs.
/// True when the sweep was stopped (Ctrl-C, SIGTERM).
let private runLocal (store: SweepStore) (config: SweepConfig) (manifest: SweepManifest) (count: int) (sweepName: string) =
    printfn "sweep %s: %s search, %d trials, %d agents, in %s" sweepName manifest.Method manifest.Trials count store.Dir
    let follower = SweepDisplay.JournalFollower(store, config.Sweep, stdout)
    follower.CatchUp()
    if follower.State.Trials.Count > 0 then
        printfn "resuming: %s" (SweepDisplay.counts follower.State.Trials)
    let workLeft () =
        let trials = follower.State.Trials
        trials.Count < store.ReadManifest().Trials || trials |> Seq.exists (fun t -> not t.IsFinal)
    use cancel = new CancellationTokenSource()
    let signals = onStopSignals cancel
    try
        use agents = new SweepLocalAgents.LocalAgents(deepcoroCommand (), store, count, manifest.Trials)
        use _stop = cancel.Token.Register(fun () -> agents.Stop())
        while agents.Running do
            cancel.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds 200.0) |> ignore
            follower.Poll()
            if not cancel.IsCancellationRequested then
                agents.ReplaceKilled workLeft
        follower.Poll()
    finally
        signals |> List.iter (fun s -> s.Dispose())
    cancel.IsCancellationRequested

let private sweepCommand (args: ParseResults<SweepArgs>) =
    let basePath =
        match args.TryGetResult Base with
        | Some p -> p
        | None -> fail "sweep: --base <training config> is required"
    let sweepPath =
        match args.TryGetResult Sweep with
        | Some p -> p
        | None -> fail "sweep: --sweep <sweep file> is required"
    let agentsAtOnce = args.GetResult(Parallel, 1)
    if agentsAtOnce < 1 then
        fail "--parallel: must be at least 1"
    let p =
        plan
            basePath
            sweepPath
            (args.TryGetResult Trials)
            (args.GetResult(Seed, 0))
            (args.TryGetResult Trial_Command)
            (args.TryGetResult Stale_After)
            (args.Contains As_Reference_Built)
            (args.Contains Dry_Run)
    if args.Contains Dry_Run then
        dryRun p
    else
        let emit = args.TryGetResult Emit_Slurm
        let dir =
            match emit, args.TryGetResult Output with
            | Some _, Some _ -> fail "sweep: --emit-slurm names the sweep directory; drop --output"
            | Some d, None
            | None, Some d -> d
            | None, None -> Path.Combine("runs", "sweep-" + Path.GetFileNameWithoutExtension sweepPath)
        let store = SweepStore(dir)
        let manifest = store.CreateOrCheck(p.SweepText, p.BaseText, p.Manifest)
        warnSharedLocks store
        match emit with
        | Some _ ->
            let agents = args.GetResult(Agents, agentsAtOnce)
            let slurm =
                SlurmOptions(
                    agents,
                    args.TryGetResult Parallel |> Option.toNullable,
                    args.TryGetResult Count |> Option.toNullable,
                    args.TryGetResult Partition |> Option.toObj,
                    args.TryGetResult Time |> Option.toObj,
                    args.TryGetResult Cpus |> Option.toNullable,
                    args.TryGetResult Mem |> Option.toObj,
                    args.TryGetResult Gpus |> Option.toNullable
                )
            let script = SlurmScript.Write(store, deepcoroCommand (), slurm)
            printfn
                "sweep %s: %s search of %s, %d trials, an array of %d agents"
                store.Dir
                manifest.Method
                manifest.Metric
                manifest.Trials
                agents
            printfn "submit:  sbatch %s" script
            printfn "follow:  deepcoro sweep status %s [--follow]" store.Dir
        | None ->
            let interrupted = runLocal store p.Config manifest agentsAtOnce (Path.GetFileName sweepPath)
            let trials = report store p.Config manifest
            if interrupted then
                fail (sprintf "sweep interrupted; run the same command again to resume (%s)" store.Dir)
            if trials |> List.forall (fun t -> not t.HasResult) then
                fail (sprintf "no trial reported %s; see the reasons above and %s" manifest.Metric (Path.Combine(store.Dir, "trials")))

let run (args: ParseResults<SweepArgs>) =
    try
        match args.TryGetSubCommand() with
        | Some(Init a) -> initCommand a
        | Some(Agent a) -> agentCommand a
        | Some(Status a) -> statusCommand a
        | _ -> sweepCommand args
    with
    | :? TimeoutException as e -> fail e.Message
    | :? IOException as e when not (e :? FileNotFoundException) && not (e :? DirectoryNotFoundException) -> fail e.Message
