/// Sweeps of real processes: the one-machine form (agents as child processes) with invalid trials, a kill and resume,
/// a crashing trial; agents killed with -9 mid-trial; a torn journal tail; bayes through agents one after another
/// against the serial sweep; 32 racing agents (the scale check, which prints the lock's cost); and a bayes sweep
/// through a real one-node Slurm job array of agents. Trials are SweepFixtures/fake_trial.sh, a scripted stand-in
/// for `deepcoro train` that writes the trainer's metrics.jsonl.
module DeepCoro.Tests.SweepRunTests

open System
open System.Diagnostics
open System.IO
open System.Text
open System.Text.RegularExpressions
open System.Text.Json.Nodes
open Expecto
open DeepCoro.Runtime.Sweeps
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.SweepHarness

let private fakeTrial epochs (pause: float) = sprintf "sh %s {config} {output} %d %g" (fixture "fake_trial.sh") epochs pause

let private write dir name (text: string) =
    let p = Path.Combine(dir, name)
    File.WriteAllText(p, text)
    p

let private completions dir =
    let p = Path.Combine(dir, "completions.log")
    if File.Exists p then File.ReadAllLines p |> Array.filter (fun l -> l <> "") else [||]

let private gridSweep =
    "method: grid\nmetric: {name: val/main_loss, goal: minimize}\nparameters:\n  lr: {values: [1.0e-4, 1.0e-3, 1.0e-2, 1.0e-1, 3.0e-3, 3.0e-4]}\n"

/// `deepcoro` as a child process (the apphost beside the tests), its output gathered as it comes.
let private deepcoro (args: string list) =
    let info =
        ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "deepcoro"), RedirectStandardOutput = true, RedirectStandardError = true)
    for a in args do
        info.ArgumentList.Add a
    let output = StringBuilder()
    let p = new Process(StartInfo = info)
    p.OutputDataReceived.Add(fun e ->
        if not (isNull e.Data) then
            lock output (fun () -> output.AppendLine e.Data |> ignore))
    p.ErrorDataReceived.Add(fun e ->
        if not (isNull e.Data) then
            lock output (fun () -> output.AppendLine e.Data |> ignore))
    p.Start() |> ignore
    p.BeginOutputReadLine()
    p.BeginErrorReadLine()
    p, output

[<System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)>]
extern int private signal(int pid, int signal)

/// Runs `deepcoro` to its end; its exit code and output.
let private run (args: string list) =
    let p, output = deepcoro args
    if not (p.WaitForExit 120000) then
        p.Kill(true)
        failtestf "deepcoro %A did not end in 2 minutes" args
    p.WaitForExit()
    p.ExitCode, lock output (fun () -> output.ToString())

let private waitFor what (condition: unit -> bool) =
    let deadline = DateTime.UtcNow.AddSeconds 60.0
    while not (condition ()) do
        if DateTime.UtcNow > deadline then
            failtestf "timed out waiting for %s" what
        Threading.Thread.Sleep 20

let private records dir =
    try
        recordsOf dir
    with _ -> []

/// Every file of a sweep directory that is written whole parses; every journal line is an event.
let private nothingHalfWritten (dir: string) =
    for f in Directory.GetFiles(dir, "*", SearchOption.AllDirectories) do
        let name = Path.GetFileName f
        if name.EndsWith ".json" then
            JsonNode.Parse(File.ReadAllText f) |> ignore
        elif name.EndsWith ".yaml" then
            YamlDotNet.RepresentationModel.YamlStream().Load(new StringReader(File.ReadAllText f))
    let lines = File.ReadAllLines(Path.Combine(dir, "journal.jsonl"))
    lines |> Array.iteri (fun i l -> TrialEvent.Parse(l, sprintf "journal.jsonl:%d" (i + 1)) |> ignore)

let localTests =
    testList "sweep on one machine" [
        test "invalid trials are recorded with the spec error and never launched" {
            let dir = tempDir ()
            let out = Path.Combine(dir, "sweep")
            let code =
                DeepCoro.Cli.Program.execute [|
                    "sweep"
                    "--base"
                    fixture "base.yaml"
                    "--sweep"
                    fixture "sweep_random.yaml"
                    "--trials"
                    "8"
                    "--parallel"
                    "2"
                    "--output"
                    out
                    "--seed"
                    "3"
                    "--trial-command"
                    fakeTrial 2 0.0
                |]
            Expect.equal code 0 "exit code"
            let records = recordsOf out
            Expect.equal records.Length 8 "all trials recorded"
            let invalid = records |> List.filter (fun r -> r.Status = TrialStatus.Invalid)
            Expect.isNonEmpty invalid "some trials draw 6 heads"
            let ran = completions out
            for r in records do
                let heads = SweepValues.Format r.Params.["num_attention_heads"]
                if heads = "6" then
                    Expect.equal r.Status TrialStatus.Invalid "6 heads over 512 is invalid"
                    Expect.stringContains r.Reason "DC0003" "the spec error"
                    Expect.equal r.Attempts 0 "never launched"
                    Expect.isFalse (Directory.Exists(SweepStore(out).AttemptDir(r.Index, 1))) "no attempt directory"
                    Expect.isFalse (ran |> Array.exists (fun c -> c.Contains(TrialRecord.Name r.Index))) "never ran"
                else
                    Expect.equal r.Status TrialStatus.Finished "8 heads run"
            for f in [ "best_config.yaml"; "leaderboard.csv"; "plots/lr.png"; "plots/parallel_coordinates.png" ] do
                Expect.isTrue (File.Exists(Path.Combine(out, f))) f
        }

        test "resume after killing the sweep midway: every trial completes, none twice" {
            let dir = tempDir ()
            let out = Path.Combine(dir, "sweep")
            let sweep = write dir "sweep.yaml" gridSweep
            let args = [
                "sweep"
                "--base"
                fixture "base.yaml"
                "--sweep"
                sweep
                "--parallel"
                "2"
                "--output"
                out
                "--trial-command"
                fakeTrial 4 0.25
            ]
            let first, _ = deepcoro args
            // Kill only while a trial is mid-run (1 or 2 of its 4 epochs logged), whatever the machine's speed.
            let midRun () =
                records out |> List.exists (fun r -> r.Status = TrialStatus.Running && r.Epochs.Count >= 1 && r.Epochs.Count <= 2)
            waitFor "a trial mid-run after two completions" (fun () -> completions(out).Length >= 2 && midRun ())
            first.Kill(entireProcessTree = true)
            first.WaitForExit()
            let before = completions out
            Expect.isLessThan before.Length 6 "the kill came midway"
            let code, output = run args
            Expect.equal code 0 output
            Expect.stringContains output "resuming:" "says it resumes"
            let records = recordsOf out
            Expect.equal records.Length 6 "six trials"
            Expect.isTrue (records |> List.forall (fun r -> r.Status = TrialStatus.Finished)) "all finished"
            let completed = completions out
            Expect.equal completed.Length 6 (sprintf "each trial completed once: %A" completed)
            Expect.equal (completed |> Array.distinct).Length 6 "no trial completed twice"
            for c in before do
                Expect.contains completed c "finished trials are kept"
            Expect.isTrue (records |> List.exists (fun r -> r.Attempts = 2 && r.Requeues = 1)) "a trial whose agent was killed ran again"
            nothingHalfWritten out
        }

        test "SIGTERM to the one-machine sweep stops its agents: running trials are interrupted, not deaths, and run again on resume" {
            let dir = tempDir ()
            let out = Path.Combine(dir, "sweep")
            let sweep = write dir "sweep.yaml" gridSweep
            let args = [
                "sweep"
                "--base"
                fixture "base.yaml"
                "--sweep"
                sweep
                "--parallel"
                "2"
                "--output"
                out
                "--trial-command"
                fakeTrial 8 0.25
            ]
            let first, output = deepcoro args
            // both early in their 8 epochs, so neither can end by itself before the signal lands
            waitFor "two trials mid-run" (fun () ->
                records out
                |> List.filter (fun r -> r.Status = TrialStatus.Running && r.Epochs.Count >= 1 && r.Epochs.Count <= 3)
                |> List.length
                    =
                    2)
            Expect.equal (signal (first.Id, 15)) 0 "SIGTERM sent to the sweep alone"
            Expect.isTrue (first.WaitForExit 60000) "the sweep ends"
            first.WaitForExit()
            Expect.equal first.ExitCode 1 "interrupted"
            Expect.stringContains
                (lock output (fun () -> output.ToString()))
                "sweep interrupted; run the same command again to resume"
                "says so"
            let stopped = events (SweepStore out)
            Expect.equal
                (stopped |> List.filter (fun e -> e.Kind = TrialEventKind.Interrupted) |> List.length)
                2
                "both running trials interrupted"
            Expect.isEmpty (stopped |> List.filter (fun e -> e.Kind = TrialEventKind.Requeued)) "no death counted"
            let code, rerun = run args
            Expect.equal code 0 rerun
            let records = recordsOf out
            Expect.isTrue (records |> List.forall (fun r -> r.Status = TrialStatus.Finished && r.Requeues = 0)) "all finished"
            Expect.equal (records |> List.filter (fun r -> r.Attempts = 2) |> List.length) 2 "the two interrupted ones ran again"
            Expect.equal (completions out |> Array.distinct).Length 6 "each trial completed"
            Expect.equal (completions out).Length 6 "once"
        }

        test "a crashing trial fails alone; the sweep goes on" {
            let dir = tempDir ()
            let sweep =
                write dir "sweep.yaml" "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  crash: {values: [false, true, false]}\n"
            let out = Path.Combine(dir, "sweep")
            let code =
                DeepCoro.Cli.Program.execute [|
                    "sweep"
                    "--base"
                    fixture "base.yaml"
                    "--sweep"
                    sweep
                    "--output"
                    out
                    "--trial-command"
                    fakeTrial 2 0.0
                |]
            Expect.equal code 0 "exit code"
            let statuses = recordsOf out |> List.map (fun r -> r.Status, r.Reason)
            Expect.equal (statuses |> List.map fst) [ TrialStatus.Finished; TrialStatus.Failed; TrialStatus.Finished ] "statuses"
            Expect.stringContains (snd statuses.[1]) "simulated crash" "the trial's error output"
        }

        test "a sweep directory refuses another sweep file" {
            let dir = tempDir ()
            let out = Path.Combine(dir, "sweep")
            let sweepRun sweepText =
                DeepCoro.Cli.Program.execute [|
                    "sweep"
                    "--base"
                    fixture "base.yaml"
                    "--sweep"
                    write dir "s.yaml" sweepText
                    "--output"
                    out
                    "--trial-command"
                    fakeTrial 1 0.0
                |]
            Expect.equal (sweepRun "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [0.01]}\n") 0 "first"
            Expect.equal
                (sweepRun "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [0.02]}\n")
                1
                "another sweep file"
        }
    ]

let private init (dir: string) (sweepText: string) (extra: string list) =
    let out = Path.Combine(dir, "sweep")
    let code, output =
        run ([ "sweep"; "init"; "--base"; fixture "base.yaml"; "--sweep"; write dir "sweep.yaml" sweepText; "--output"; out ] @ extra)
    Expect.equal code 0 output
    out

let agentTests =
    testList "sweep agents as processes" [
        test "kill -9 of an agent mid-trial: its trial is re-queued, its leftover trial process ended, and it runs once more" {
            let dir = tempDir ()
            let out =
                init dir "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-3]}\n" [
                    "--trial-command"
                    fakeTrial 20 0.2
                ]
            let victim, _ = deepcoro [ "sweep"; "agent"; out ]
            let store = SweepStore(out)
            waitFor "epoch 1 and a heartbeat" (fun () ->
                (records out |> List.exists (fun r -> r.Epochs.Count >= 1)) && not (isNull (Heartbeat.Read(store.HeartbeatPath(0, 1)))))
            let beat = Heartbeat.Read(store.HeartbeatPath(0, 1))
            victim.Kill(entireProcessTree = false)
            victim.WaitForExit()
            Expect.isTrue (ProcessLiveness.IsAlive(beat.TrialPid.Value, beat.TrialStart)) "its trial process lives on, orphaned"
            let code, output = run [ "sweep"; "agent"; out ]
            Expect.equal code 0 output
            Expect.isFalse (ProcessLiveness.IsAlive(beat.TrialPid.Value, beat.TrialStart)) "the orphan was ended"
            let r = recordsOf out |> List.exactlyOne
            Expect.equal (r.Status, r.Attempts, r.Requeues) (TrialStatus.Finished, 2, 1) "re-queued once, then finished"
            Expect.stringContains output (sprintf "re-queued  (its agent %s:%d is gone; re-queued)" Environment.MachineName victim.Id) "why"
            Expect.equal (completions out).Length 1 "the trial completed once"
            nothingHalfWritten out
        }

        test "a torn last journal line (an agent died appending it) is invisible to status and cut off by the next agent" {
            let dir = tempDir ()
            let out = init dir gridSweep [ "--trial-command"; fakeTrial 1 0.0; "--trials"; "3" ]
            let code, output = run [ "sweep"; "agent"; out; "--count"; "1" ]
            Expect.equal code 0 output
            let journal = Path.Combine(out, "journal.jsonl")
            let torn = TrialEvent.Created(1, JsonObject(dict [ "lr", JsonValue.Create 0.5 :> JsonNode ])).ToJsonLine()
            File.AppendAllText(journal, torn.Substring(0, 20))
            let status, statusOut = run [ "sweep"; "status"; out ]
            Expect.equal status 0 statusOut
            Expect.stringContains statusOut "1 of 3 trials created: 1 finished" "the torn event is not read"
            let code2, output2 = run [ "sweep"; "agent"; out ]
            Expect.equal code2 0 output2
            Expect.stringContains output2 "cut off a half-written last event (20 bytes)" "reported"
            Expect.equal (recordsOf out |> List.filter (fun r -> r.Status = TrialStatus.Finished) |> List.length) 3 "the sweep completes"
            nothingHalfWritten out
        }

        test "bayes through agents run one after another proposes what the serial sweep proposes" {
            let text =
                "method: bayes\nmetric: {name: val/main_loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0e-1}\n  dropout: {min: 0.0, max: 0.5}\n"
            let dir = tempDir ()
            let serial = Path.Combine(dir, "serial")
            let code, output =
                run [
                    "sweep"
                    "--base"
                    fixture "base.yaml"
                    "--sweep"
                    write dir "s.yaml" text
                    "--trials"
                    "8"
                    "--seed"
                    "4"
                    "--output"
                    serial
                    "--trial-command"
                    fakeTrial 1 0.0
                ]
            Expect.equal code 0 output
            let agents =
                init
                    (Path.Combine(dir, "agents")
                     |> fun d ->
                         Directory.CreateDirectory d |> ignore
                         d)
                    text
                    [ "--trials"; "8"; "--seed"; "4"; "--trial-command"; fakeTrial 1 0.0 ]
            for _ in 1..4 do
                let c, o = run [ "sweep"; "agent"; agents; "--count"; "2" ]
                Expect.equal c 0 o
            let a, b = recordsOf serial, recordsOf agents
            Expect.equal b.Length 8 "eight trials"
            for x, y in List.zip a b do
                Expect.equal (y.Params.ToJsonString()) (x.Params.ToJsonString()) (sprintf "trial %d" x.Index)
                Expect.equal y.Final x.Final "same result"
        }

        test "scale check: 32 agent processes race on a bayes sweep of 64 trials; none twice, none lost, all distinct" {
            let dir = tempDir ()
            let text =
                "method: bayes\nmetric: {name: val/main_loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0e-1}\n  dropout: {min: 0.0, max: 0.5}\n"
            let stub = sprintf "sh %s {output} {trial} %s" (fixture "stub_trial.sh") (Path.Combine(dir, "sweep", "completions.log"))
            let out = init dir text [ "--trials"; "64"; "--seed"; "1"; "--trial-command"; stub ]
            let clock = Stopwatch.StartNew()
            let agents = List.init 32 (fun _ -> deepcoro [ "sweep"; "agent"; out ])
            for p, output in agents do
                // generous: 32 .NET processes starting on a shared 2-core machine can take minutes
                if not (p.WaitForExit 900000) then
                    failtest "an agent did not end in 15 minutes"
                p.WaitForExit()
                Expect.equal p.ExitCode 0 (lock output (fun () -> output.ToString()))
            let wall = clock.Elapsed.TotalSeconds
            let events = events (SweepStore(out))
            let trialsOf kind = events |> List.filter (fun e -> e.Kind = kind) |> List.map (fun e -> e.Trial) |> List.sort
            Expect.sequenceEqual (trialsOf TrialEventKind.Created) [ 0..63 ] "every trial created once"
            Expect.sequenceEqual (trialsOf TrialEventKind.Started) [ 0..63 ] "started once (none twice)"
            Expect.sequenceEqual (trialsOf TrialEventKind.Ended) [ 0..63 ] "ended once (none lost)"
            let completed = completions out
            Expect.equal (completed |> Array.distinct).Length 64 "every trial ran to its end once"
            Expect.equal completed.Length 64 "and no trial ran twice"
            let proposals = events |> List.filter (fun e -> e.Kind = TrialEventKind.Created) |> List.map (fun e -> e.Params.ToJsonString())
            Expect.equal (proposals |> List.distinct).Length 64 "bayes proposals are distinct"
            // the lock's cost, from the line each agent prints when it ends
            let summary =
                Regex(
                    @"(\d+) trials; lock: (\d+) acquisitions, wait median ([\d.]+) ms \(max ([\d.]+) ms\); held per proposal median ([\d.]+) ms \(max ([\d.]+) ms; CPU median ([\d.]+) ms\) over \d+, to report median ([\d.]+) ms"
                )
            let rows = [
                for _, output in agents ->
                    let m = summary.Match(lock output (fun () -> output.ToString()))
                    Expect.isTrue m.Success "an agent's summary"
                    [| for g in 1..8 -> float m.Groups.[g].Value |]
            ]
            let median (xs: float list) = let s = List.sort xs in s.[s.Length / 2]
            let column k = rows |> List.map (fun r -> r.[k])
            Expect.equal (column 0 |> List.sum) 64.0 "the agents' counts add up"
            printfn
                "scale check: 32 agents, 64 bayes trials of ~0.1 s, %.1f s wall (load average %s), %.1f trials/s; %d lock acquisitions"
                wall
                (File.ReadAllText("/proc/loadavg").Split(' ').[0])
                (64.0 / wall)
                (int (column 1 |> List.sum))
            printfn
                "  lock wait per acquisition, median of agents' medians %.2f ms, worst %.0f ms"
                (median (column 2))
                (column 3 |> List.max)
            printfn
                "  held per proposal (GP fit, config written and checked): median %.1f ms, worst %.0f ms (CPU in it: median %.1f ms); to report an epoch or end: median %.2f ms"
                (median (column 4))
                (column 5 |> List.max)
                (median (column 6))
                (median (column 7))
            // the proposal's cost at the scale of a 1000-trial sweep over 64 nodes: 1000 results, 63 trials running
            let config = resolve text
            let search = Suggesters.For(config.Sweep, 1)
            let rng = Random(2)
            for results in [ 100; 200; 1000 ] do
                let observations = [|
                    for i in 0 .. results + 62 ->
                        Observation(
                            Suggesters.SampleAll(config.Sweep.Parameters, rng),
                            (if i < results then Nullable(rng.NextDouble()) else Nullable())
                        )
                |]
                let timings = [
                    for _ in 1..3 ->
                        let c = Stopwatch.StartNew() in
                        search.Suggest(results + 63, observations) |> ignore
                        c.Elapsed.TotalMilliseconds
                ]
                printfn
                    "  bayes proposal with %d results and 63 running (the GP fit to %d of them): median of 3 %.0f ms"
                    results
                    (min results BayesSuggester.ModelPoints)
                    (median timings)
            // what a new agent reads before its first claim (outside the lock):
            // the journal of 1000 trials of 30 epochs
            let journal = SweepJournal(Path.Combine(dir, "big.jsonl"))
            let agent = AgentIdentity("node", 1, "ticks:1")
            for t in 0..999 do
                let values = Suggesters.SampleAll(config.Sweep.Parameters, rng)
                journal.Append [|
                    yield TrialEvent.Created(t, values)
                    yield TrialEvent.Started(t, 1, agent)
                    for e in 1..30 ->
                        TrialEvent.EpochDone(
                            t,
                            1,
                            e,
                            rng.NextDouble(),
                            JsonObject(dict [ "val/main_loss", JsonValue.Create 0.5 :> JsonNode ])
                        )
                    yield TrialEvent.Ended(t, 1, TrialStatus.Finished, null)
                |]
                |> ignore
            let c = Stopwatch.StartNew()
            let state = SweepState(config.Sweep)
            let read = SweepJournal(Path.Combine(dir, "big.jsonl")).ReadNew()
            for e in read do
                state.Apply e
            printfn
                "  reading a journal of 1000 trials x 30 epochs (%d events, %.1f MB): %.0f ms"
                read.Count
                (float (FileInfo(Path.Combine(dir, "big.jsonl")).Length) / 1e6)
                c.Elapsed.TotalMilliseconds
        }
    ]

/// Slurm, started by tests/slurm/setup.sh (CI runs it first; here too when missing).
/// Skips only when it cannot come up.
let private slurmReady =
    lazy
        (let ok () =
            try
                let p = Process.Start(ProcessStartInfo("sinfo", "-h -o %T", RedirectStandardOutput = true, RedirectStandardError = true))
                p.WaitForExit 10000 && p.ExitCode = 0 && (let o = p.StandardOutput.ReadToEnd() in o.Contains "idle" || o.Contains "mixed")
            with _ ->
                false
         if ok () then
             None
         else
             let setup = Path.Combine(repoRoot, "tests", "slurm", "setup.sh")
             let p = Process.Start(ProcessStartInfo("bash", setup, RedirectStandardOutput = true, RedirectStandardError = true))
             let err = p.StandardError.ReadToEnd()
             p.WaitForExit()
             if p.ExitCode = 0 && ok () then
                 None
             else
                 Some(sprintf "slurm could not be installed or started (tests/slurm/setup.sh: %s)" (err.Trim())))

let slurmTests =
    testList "sweep slurm" [
        testCase "a bayes sweep of 6 trials runs through a real Slurm array of 3 agents, 2 at once; status ranks them"
        <| fun () ->
            match slurmReady.Force() with
            | Some why -> skiptest why
            | None ->
                let dir = tempDir ()
                let sweep =
                    write
                        dir
                        "sweep.yaml"
                        "method: bayes\nmetric: {name: val/main_loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 1.0e-1}\n  num_attention_heads: {values: [8]}\n"
                let out = Path.Combine(dir, "slurm")
                let code, output =
                    run [
                        "sweep"
                        "--base"
                        fixture "base.yaml"
                        "--sweep"
                        sweep
                        "--trials"
                        "6"
                        "--emit-slurm"
                        out
                        "--agents"
                        "3"
                        "--parallel"
                        "2"
                        "--count"
                        "2"
                        "--cpus"
                        "1"
                        "--time"
                        "00:05:00"
                        "--trial-command"
                        fakeTrial 2 0.0
                    ]
                Expect.equal code 0 output
                let script = File.ReadAllText(Path.Combine(out, "sweep.sbatch"))
                Expect.stringContains script "#SBATCH --array=0-2%2" "3 agents, 2 at once"
                Expect.stringContains script (sprintf "sweep agent %s --count 2" out) "each task an agent"
                let sbatch =
                    Process.Start(
                        ProcessStartInfo(
                            "sbatch",
                            sprintf "--wait %s" (Path.Combine(out, "sweep.sbatch")),
                            RedirectStandardOutput = true,
                            RedirectStandardError = true
                        )
                    )
                Expect.isTrue (sbatch.WaitForExit 300000) "the array finishes within 5 minutes"
                Expect.equal sbatch.ExitCode 0 (sbatch.StandardError.ReadToEnd())
                let status, statusOut = run [ "sweep"; "status"; out ]
                Expect.equal status 0 statusOut
                let records = recordsOf out
                Expect.equal (records |> List.filter (fun r -> r.Status = TrialStatus.Finished) |> List.length) 6 "six trials ran on Slurm"
                Expect.equal (records |> List.map (fun r -> r.Params.ToJsonString()) |> List.distinct |> List.length) 6 "distinct proposals"
                let agentsSeen = records |> List.map (fun r -> r.Agent.Pid) |> List.distinct
                Expect.equal agentsSeen.Length 3 "all three agents ran trials"
                let best = records |> List.minBy (fun r -> r.Final.Value)
                Expect.stringContains
                    statusOut
                    (sprintf "1     %s  finished" (TrialRecord.Name best.Index))
                    "the leaderboard ranks the best first"
                Expect.isTrue (File.Exists(Path.Combine(out, "best_config.yaml"))) "best config from the gathered journal"
    ]

[<Tests>]
let tests = testList "sweep processes" [ localTests; agentTests; slurmTests ]
