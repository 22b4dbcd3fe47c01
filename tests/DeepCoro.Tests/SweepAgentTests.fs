/// Agents in one process, on threads, with scripted trials: racing agents create and run every trial once, bayes
/// proposes each trial from exactly the results the journal held when it was proposed, hyperband stops trials
/// through the agents, a stopped agent re-queues its trial, an attempt another agent re-queued is abandoned, and
/// every trial with a result appears in every plot.
module DeepCoro.Tests.SweepAgentTests

open System
open System.Collections.Concurrent
open System.IO
open System.Text.Json.Nodes
open System.Threading
open Expecto
open DeepCoro.Runtime.Sweeps
open DeepCoro.Tests.SweepHarness

/// (log10 lr + 3)^2 + 1/epoch over `epochs` epochs: the fake trainer's curve, best at lr = 1e-3.
let private lrCurve epochs (config: JsonObject) =
    let lr = number config "lr"
    [ for e in 1..epochs -> (log10 lr + 3.0) ** 2.0 + 1.0 / float e ]

let private byKind kind (events: TrialEvent list) = events |> List.filter (fun e -> e.Kind = kind)

/// A trial the test drives: it logs the rows it is given and exits when released.
type private GatedTrial() =
    let rows = ConcurrentQueue<JsonObject>()
    let mutable released = false
    let mutable killed = false
    member _.Log(epoch: int, value: float) =
        rows.Enqueue(JsonObject(dict [ "epoch", JsonValue.Create epoch :> JsonNode; "val/main_loss", JsonValue.Create value :> JsonNode ]))
    member _.Release() = released <- true
    member _.Killed = killed
    interface IRunningTrial with
        member _.ProcessId = Nullable()
        member _.ProcessStart = null
        member _.WaitForExit(timeout) =
            if not (released || killed) then
                Thread.Sleep(min timeout (TimeSpan.FromMilliseconds 5.0))
            released || killed
        member _.ExitCode = if killed then 137 else 0
        member _.ReadNewRows() =
            let taken = ResizeArray<JsonObject>()
            let mutable row = Unchecked.defaultof<JsonObject>
            while rows.TryDequeue(&row) do
                taken.Add row
            taken.ToArray()
        member _.FailureDetail() = ""
        member _.Kill() = killed <- true
        member _.Dispose() = ()

let private gatedLauncher (trials: ConcurrentDictionary<int, GatedTrial>) = {
    new ITrialLauncher with
        member _.Start(launch) = trials.GetOrAdd(launch.Index, fun _ -> new GatedTrial()) :> IRunningTrial
}

let private waitFor what (condition: unit -> bool) =
    let deadline = DateTime.UtcNow.AddSeconds 30.0
    while not (condition ()) do
        if DateTime.UtcNow > deadline then
            failtestf "timed out waiting for %s" what
        Thread.Sleep 5

let raceTests =
    testList "sweep agents racing" [
        test "8 agents on threads share a random sweep of 40 trials: each created once, run once, none lost" {
            let store, config =
                create
                    "method: random\nmetric: {name: val/main_loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0e-1}\n"
                    40
                    5
            let launcher = ScriptedLauncher(lrCurve 2)
            let reports = runThreads 8 (fun _ -> agent store config launcher None 5)
            let events = events store
            Expect.sequenceEqual
                (byKind TrialEventKind.Created events |> List.map (fun e -> e.Trial))
                [ 0..39 ]
                "created in order, once each"
            Expect.sequenceEqual
                (byKind TrialEventKind.Started events |> List.map (fun e -> e.Trial) |> List.sort)
                [ 0..39 ]
                "started once each"
            Expect.sequenceEqual
                (byKind TrialEventKind.Ended events |> List.map (fun e -> e.Trial) |> List.sort)
                [ 0..39 ]
                "ended once each"
            Expect.sequenceEqual (List.sort launcher.Launched) [ 0..39 ] "launched once each"
            Expect.equal (reports |> Array.sumBy (fun r -> r.TrialsRun)) 40 "the agents' counts add up"
            Expect.isGreaterThan (reports |> Array.filter (fun r -> r.TrialsRun > 0) |> Array.length) 1 "more than one agent worked"
            let random = Suggesters.For(config.Sweep, 5)
            for e in byKind TrialEventKind.Created events do
                Expect.equal
                    (e.Params.ToJsonString())
                    (random.Suggest(e.Trial, [||]).ToJsonString())
                    "random draws depend on the index only"
        }
        test "6 agents on a grid of 12 points: every point once, --count respected" {
            let store, config =
                create
                    "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-4, 1.0e-3, 1.0e-2]}\n  dropout: {values: [0.0, 0.1, 0.2, 0.3]}\n"
                    100
                    0
            let launcher = ScriptedLauncher(lrCurve 1)
            let reports = runThreads 6 (fun _ -> agent store config launcher (Some 3) 0)
            Expect.isTrue (reports |> Array.forall (fun r -> r.TrialsRun <= 3)) "each agent runs 3 at most"
            let created = byKind TrialEventKind.Created (events store)
            Expect.equal created.Length 12 "the whole grid, not the budget"
            Expect.equal (created |> List.map (fun e -> e.Params.ToJsonString()) |> List.distinct |> List.length) 12 "every point once"
        }
        test "bayes with 4 racing agents: each trial is what the search proposes from the journal as it stood, all distinct" {
            let text =
                "method: bayes\nmetric: {name: val/main_loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0e-1}\n  dropout: {min: 0.0, max: 0.5}\n"
            let store, config = create text 16 11
            let launcher = ScriptedLauncher(lrCurve 2)
            runThreads 4 (fun _ -> agent store config launcher None 11) |> ignore
            let events = events store
            // replay: fold the journal up to each proposal, and ask a fresh search serially
            let search = Suggesters.For(config.Sweep, 11)
            let state = SweepState(config.Sweep)
            let mutable proposals = 0
            for e in events do
                if e.Kind = TrialEventKind.Created then
                    let serial = search.Suggest(e.Trial, state.Observations())
                    Expect.equal (e.Params.ToJsonString()) (serial.ToJsonString()) (sprintf "trial %d" e.Trial)
                    proposals <- proposals + 1
                state.Apply e
            Expect.equal proposals 16 "every trial"
            let distinct = byKind TrialEventKind.Created events |> List.map (fun e -> e.Params.ToJsonString()) |> List.distinct
            Expect.equal distinct.Length 16 "bayes proposals are distinct"
            let modelled =
                byKind TrialEventKind.Created events
                |> List.filter (fun e -> e.Trial >= BayesSuggester(config.Sweep.Parameters, 11).InitialTrials)
            Expect.isNonEmpty modelled "the GP proposed some (after the random start)"
        }
    ]

let lifecycleTests =
    testList "sweep agent lifecycle" [
        test "hyperband through the agents stops a weak trial at its rung" {
            let store, config =
                create
                    "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-3, 1.0e-1, 2.0e-3]}\nearly_terminate: {type: hyperband, min_iter: 1, eta: 2, s: 2}\n"
                    3
                    0
            let launcher = ScriptedLauncher(lrCurve 5)
            (agent store config launcher None 0).Run(CancellationToken.None) |> ignore
            Expect.sequenceEqual launcher.Launched [ 0; 1; 2 ] "every trial launched once"
            let state = store.Load(config.Sweep)
            Expect.equal (state.Find 1).Status TrialStatus.Stopped "lr 0.1 stopped"
            Expect.equal (state.Find 1).Epochs.Count 1 "at rung 1"
            Expect.contains launcher.Killed 1 "its process killed"
            Expect.equal (state.Find 0).Status TrialStatus.Finished "lr 1e-3 ran"
            // trial 2 at rung 1: [1, 5, 1.09] keep 2 -> on; rung 2: [0.5, 0.59] keep 1 -> stop
            Expect.equal (state.Find 2).Status TrialStatus.Stopped "lr 2e-3 stopped at rung 2"
            Expect.equal (state.Find 2).Epochs.Count 2 "after two epochs"
        }
        test "a stopped agent re-queues its trial (not a death); the next agent runs it from the start" {
            let store, config = create "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-3]}\n" 1 0
            let trials = ConcurrentDictionary<int, GatedTrial>()
            use cancel = new CancellationTokenSource()
            let first = SweepAgent(store, config, Suggesters.For(config.Sweep, 0), anyConfig, gatedLauncher trials, options None)
            let run = Threading.Tasks.Task.Run(fun () -> first.Run(cancel.Token))
            waitFor "the trial to start" (fun () -> trials.ContainsKey 0)
            trials.[0].Log(1, 0.7)
            waitFor "epoch 1" (fun () -> (store.Load(config.Sweep).Find 0).Epochs.Count = 1)
            cancel.Cancel()
            let report = run.Result
            Expect.isTrue report.Interrupted "stopped"
            Expect.isTrue trials.[0].Killed "its trial killed"
            let r = store.Load(config.Sweep).Find 0
            Expect.equal (r.Status, r.Requeues) (TrialStatus.Pending, 0) "pending again, no death counted"
            let launcher = ScriptedLauncher(fun _ -> [ 0.4; 0.3 ])
            (agent store config launcher None 0).Run(CancellationToken.None) |> ignore
            let again = store.Load(config.Sweep).Find 0
            Expect.equal (again.Status, again.Attempts) (TrialStatus.Finished, 2) "attempt 2 finished"
            Expect.equal (again.Epochs |> Seq.map (fun e -> e.Value) |> List.ofSeq) [ 0.4; 0.3 ] "attempt 1's epoch forgotten"
        }
        test "an agent whose attempt was re-queued meanwhile abandons it and reports nothing more" {
            let store, config = create "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-3]}\n" 1 0
            let trials = ConcurrentDictionary<int, GatedTrial>()
            let notes = ConcurrentQueue<string>()
            let observer = {
                new ISweepObserver with
                    member _.Appended(_, _) = ()
                    member _.Note(m) = notes.Enqueue m
            }
            let slow = SweepAgent(store, config, Suggesters.For(config.Sweep, 0), anyConfig, gatedLauncher trials, options None, observer)
            let run = Threading.Tasks.Task.Run(fun () -> slow.Run(CancellationToken.None))
            waitFor "the trial to start" (fun () -> trials.ContainsKey 0)
            // another agent judged this one dead and took the trial over
            let other = AgentIdentity("other-node", 5, "ticks:9")
            using (SweepLock.Acquire(store.LockPath, TimeSpan.FromMinutes 1.0, CancellationToken.None)) (fun _ ->
                SweepJournal(store.JournalPath).Append [| TrialEvent.Requeued(0, 1, "silent"); TrialEvent.Started(0, 2, other) |] |> ignore)
            trials.[0].Log(1, 0.1)
            trials.[0].Release()
            let report = run.Result
            Expect.equal report.TrialsRun 0 "nothing counted"
            Expect.isTrue (notes |> Seq.exists (fun n -> n.Contains "attempt 1 was re-queued by another agent")) "said so"
            let attempt1 =
                events store |> List.filter (fun e -> e.Attempt = 1 && (e.Kind = TrialEventKind.Epoch || e.Kind = TrialEventKind.Ended))
            Expect.isEmpty attempt1 "no epoch or end of the abandoned attempt"
            Expect.equal (store.Load(config.Sweep).Find 0).Attempts 2 "attempt 2 stands"
        }
    ]

let plotTests =
    testList "sweep plots" [
        test "every trial with a result is in every plot: a 2-point grid over dropout 0.0 / 0.1 draws both" {
            let store, config =
                create
                    "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  dropout: {values: [0.0, 0.1]}\n  lr: {values: [1.0e-3]}\n"
                    2
                    0
            let launcher = ScriptedLauncher(fun c -> [ 0.3 + number (c.["model_config"].AsObject()) "dropout" * 2.0 ])
            (agent store config launcher None 0).Run(CancellationToken.None) |> ignore
            let state = store.Load(config.Sweep)
            let scored = Leaderboard.Rank(state.Trials, config.Sweep.Metric) |> Seq.filter (fun t -> t.HasResult) |> List.ofSeq
            let dropout = PlotAxis.For(config.Sweep.Parameters.[0], scored)
            Expect.equal dropout.Trials.Count 2 "both trials"
            Expect.sequenceEqual dropout.Positions [ 0.0; 1.0 ] "0.0 (the best) in its column, 0.1 in the other"
            Expect.sequenceEqual dropout.Ticks [ "0.0"; "0.1" ] "columns named as the sweep file writes them"
            Expect.equal (SweepValues.Format (state.Find 0).Params.["dropout"]) "0.0" "read back as the float it is"
            let written = SweepPlots.Write(store, config.Sweep, state.Trials)
            let names = written |> Seq.map Path.GetFileName |> Set.ofSeq
            Expect.equal
                names
                (set [ "dropout.png"; "lr.png"; SweepPlots.ParallelCoordinates ])
                "a plot per parameter, and the parallel coordinates"
            for f in written do
                Expect.isGreaterThan (FileInfo(f).Length) 1000L (sprintf "%s is a picture" f)
        }
    ]

[<Tests>]
let tests = testList "sweep agents" [ raceTests; lifecycleTests; plotTests ]
