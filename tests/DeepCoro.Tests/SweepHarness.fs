/// Sweeps built in the test process: a sweep directory from texts, agents on threads with scripted trials, and the
/// journal read back. Trials here are instant and in-process; SweepRunTests runs real processes.
module DeepCoro.Tests.SweepHarness

open System
open System.IO
open System.Text.Json.Nodes
open System.Threading
open DeepCoro.Runtime.Sweeps
open DeepCoro.Config
open DeepCoro.Tests.TestSupport

let fixtures = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "SweepFixtures")
let fixture name = Path.Combine(fixtures, name)
let baseText () = File.ReadAllText(fixture "base.yaml")

let parse (yaml: string) = SweepFileParser.Parse("sweep.yaml", yaml)

/// A sweep file resolved against the fixtures' base config by this project's key space.
let resolve (sweepText: string) =
    SweepConfig(parse sweepText, "base.yaml", fixtures, baseText (), SweepKeySpace.TrainingKeySpace("base.yaml", baseText ()))

/// A new sweep directory for `sweepText` over the fixtures' base config, with a budget of `trials`.
let create (sweepText: string) (trials: int) (seed: int) =
    let config = resolve sweepText
    let sweep = config.Sweep
    let store = SweepStore(Path.Combine(tempDir (), "sweep"))
    let manifest =
        SweepManifest(
            sweep.Method.ToString().ToLowerInvariant(),
            sweep.Metric.Name,
            "minimize",
            seed,
            trials,
            SweepStore.Sha256 sweepText,
            SweepStore.Sha256(baseText ()),
            fixtures,
            [| "scripted" |],
            20.0,
            120.0
        )
    store.Init(sweepText, baseText (), manifest) |> ignore
    store, config

/// Accepts every trial config.
let anyConfig = {
    new ITrialValidator with
        member _.Check(_, _) = null
}

/// A trial that logs `curve` (one value per epoch, one epoch per poll) as val/main_loss, then exits 0.
let scriptedTrial (curve: float list) (onKill: unit -> unit) =
    let mutable left = curve
    let mutable epoch = 0
    let mutable killed = false
    {
        new IRunningTrial with
            member _.ProcessId = Nullable()
            member _.ProcessStart = null
            member _.WaitForExit(_) = killed || left.IsEmpty
            member _.ExitCode = if killed then 137 else 0
            member _.ReadNewRows() =
                match left with
                | v :: rest when not killed ->
                    left <- rest
                    epoch <- epoch + 1
                    [| JsonObject(dict [ "epoch", JsonValue.Create epoch :> JsonNode; "val/main_loss", JsonValue.Create v :> JsonNode ]) |]
                | _ -> [||]
            member _.FailureDetail() = ""
            member _.Kill() =
                killed <- true
                onKill ()
            member _.Dispose() = ()
    }

/// The trial's merged config, read back as a map (values of its top level and sections).
let configOf (launch: TrialLaunch) =
    let yaml = YamlDotNet.RepresentationModel.YamlStream()
    yaml.Load(new StringReader(File.ReadAllText launch.ConfigPath))
    SweepValues.FromYaml(yaml.Documents.[0].RootNode) :?> JsonObject

/// Launches scripted trials whose curve is a function of the trial's config; records every launch.
type ScriptedLauncher(curve: JsonObject -> float list) =
    let launched = Collections.Concurrent.ConcurrentQueue<int>()
    let killed = Collections.Concurrent.ConcurrentQueue<int>()
    member _.Launched = List.ofSeq launched
    member _.Killed = List.ofSeq killed
    interface ITrialLauncher with
        member _.Start(launch) =
            launched.Enqueue launch.Index
            scriptedTrial (curve (configOf launch)) (fun () -> killed.Enqueue launch.Index)

let number (o: JsonObject) (key: string) =
    match SweepValues.TryNumber o.[key] with
    | true, x -> x
    | _ -> nan

let options count =
    SweepAgentOptions(
        Option.toNullable count,
        TimeSpan.Zero,
        TimeSpan.FromSeconds 5.0,
        TimeSpan.FromSeconds 120.0,
        TimeSpan.FromMinutes 2.0
    )

let agent (store: SweepStore) (config: SweepConfig) (launcher: ITrialLauncher) (count: int option) (seed: int) =
    SweepAgent(store, config, Suggesters.For(config.Sweep, seed), anyConfig, launcher, options count)

/// The trials of a sweep directory, as `sweep status` reads them (its sweep file resolved against its base copy).
let recordsOf (dir: string) =
    let store = SweepStore(dir)
    let manifest = store.ReadManifest()
    let baseCopy = File.ReadAllText store.BasePath
    let config =
        SweepConfig(
            SweepFileParser.Parse("sweep.yaml", File.ReadAllText store.SweepPath),
            "base.yaml",
            manifest.BaseDir,
            baseCopy,
            SweepKeySpace.TrainingKeySpace("base.yaml", baseCopy)
        )
    store.Load(config.Sweep).Trials |> List.ofSeq

/// Every event of the journal, in order.
let events (store: SweepStore) = List.ofSeq (SweepJournal(store.JournalPath).ReadNew())

/// Runs `n` agents on threads until they are all done.
let runThreads (n: int) (make: int -> SweepAgent) =
    let reports = Array.zeroCreate n
    let errors = Collections.Concurrent.ConcurrentQueue<exn>()
    let threads = [|
        for k in 0 .. n - 1 ->
            Thread(
                (fun () ->
                    try
                        reports.[k] <- (make k).Run(CancellationToken.None)
                    with e ->
                        errors.Enqueue e),
                IsBackground = true
            )
    |]
    threads |> Array.iter (fun t -> t.Start())
    threads |> Array.iter (fun t -> t.Join())
    if not errors.IsEmpty then
        raise (AggregateException(errors))
    reports
