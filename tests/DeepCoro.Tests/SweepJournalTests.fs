/// The sweep directory's shared state: the journal (whole lines only, a torn tail cut off), the lock (exclusive
/// across threads; the probe that it is enforced), the fold of events into trials, who counts as a dead agent,
/// init refusing a second sweep, and a directory that is not a sweep.
module DeepCoro.Tests.SweepJournalTests

open System
open System.IO
open System.Text
open System.Threading
open System.Text.Json.Nodes
open Expecto
open DeepCoro.Runtime.Sweeps
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.SweepHarness

let private gridText = "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-4, 1.0e-3, 1.0e-2]}\n"

let private values (lr: float) = JsonObject(dict [ "lr", JsonValue.Create lr :> JsonNode ])

let journalTests =
    testList "sweep journal" [
        test "readers take whole lines only; the next writer cuts a torn last line off and says so" {
            let path = Path.Combine(tempDir (), "journal.jsonl")
            let writer, reader = SweepJournal(path), SweepJournal(path)
            Expect.isNull (writer.Append [| TrialEvent.Created(0, values 1e-3) |]) "no note"
            // an agent died while appending trial 1's line
            let torn = TrialEvent.Created(1, values 1e-2).ToJsonLine()
            File.AppendAllText(path, torn.Substring(0, torn.Length / 2))
            let seen = reader.ReadNew()
            Expect.equal seen.Count 1 "the torn line is invisible"
            let note = writer.Append [| TrialEvent.Created(1, values 2e-2) |]
            Expect.stringContains note "cut off a half-written last event" "reported"
            let lines = File.ReadAllLines path
            Expect.equal lines.Length 2 "the torn bytes are gone"
            let next = reader.ReadNew()
            Expect.equal next.Count 1 "the reader goes on where it stopped"
            Expect.equal (next.[0].Params.["lr"].GetValue<float>()) 2e-2 "the new event"
        }
        test "a damaged line inside the journal is an error naming file and line" {
            let path = Path.Combine(tempDir (), "journal.jsonl")
            SweepJournal(path).Append [| TrialEvent.Created(0, values 1e-3) |] |> ignore
            File.AppendAllText(path, "{\"event\": \"created\", oops\n")
            try
                SweepJournal(path).ReadNew() |> ignore
                failtest "read"
            with :? InvalidDataException as e ->
                Expect.stringContains e.Message "journal.jsonl:2: not a sweep journal event" "located"
        }
        test "events round-trip through their JSON lines" {
            let agent = AgentIdentity("node7", 4242, "ticks:123")
            let events = [
                TrialEvent.Created(3, values 1e-3)
                TrialEvent.Started(3, 2, agent)
                TrialEvent.EpochDone(3, 2, 4, 0.25, JsonObject(dict [ "val/main_loss", JsonValue.Create 0.25 :> JsonNode ]))
                TrialEvent.Ended(3, 2, TrialStatus.Stopped, "hyperband", Nullable 0)
                TrialEvent.Requeued(3, 2, "gone")
                TrialEvent.Interrupted(3, 2, "stopped")
                TrialEvent.Invalid(3, "DC0003")
            ]
            for e in events do
                let back = TrialEvent.Parse(e.ToJsonLine(), "j:1")
                Expect.equal (back.ToJsonLine()) (e.ToJsonLine()) (string e.Kind)
            Expect.equal (TrialEvent.Parse(events.[1].ToJsonLine(), "j:1").Agent) agent "agent identity"
        }
    ]

let lockTests =
    testList "sweep lock" [
        test "the lock excludes: 8 threads each add 25 to a counter file by read-modify-write, and none is lost" {
            let dir = tempDir ()
            let lockPath, counter = Path.Combine(dir, "journal.lock"), Path.Combine(dir, "counter")
            File.WriteAllText(counter, "0")
            SweepLock.CheckEnforced lockPath
            let work () =
                for _ in 1..25 do
                    use _held = SweepLock.Acquire(lockPath, TimeSpan.FromMinutes 1.0, CancellationToken.None)
                    let n = int (File.ReadAllText counter)
                    Thread.Yield() |> ignore
                    File.WriteAllText(counter, string (n + 1))
            let threads = Array.init 8 (fun _ -> Thread(work))
            threads |> Array.iter (fun t -> t.Start())
            threads |> Array.iter (fun t -> t.Join())
            Expect.equal (File.ReadAllText counter) "200" "every increment kept"
        }
        test "a lock held longer than the timeout is an error that says what to look for" {
            let lockPath = Path.Combine(tempDir (), "journal.lock")
            use _held = SweepLock.Acquire(lockPath, TimeSpan.FromSeconds 1.0, CancellationToken.None)
            try
                SweepLock.Acquire(lockPath, TimeSpan.FromMilliseconds 50.0, CancellationToken.None).Dispose()
                failtest "acquired"
            with :? TimeoutException as e ->
                Expect.stringContains e.Message "still locked after" "says so"
        }
        test "mounts whose locks stay on one node are named; shared ones are not" {
            let info =
                String.concat "\n" [
                    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"
                    "40 22 0:50 / /shared rw,relatime shared:30 - nfs4 srv:/export rw,vers=4.2,hard,local_lock=none,addr=10.0.0.1"
                    "41 22 0:51 / /scratch rw,relatime shared:31 - nfs srv:/scratch rw,vers=3,nolock,addr=10.0.0.1"
                    "42 22 0:52 / /lustre rw - lustre 10.0.0.2@o2ib:/fs rw,lazystatfs"
                    "43 22 0:53 / /lustre2 rw - lustre 10.0.0.2@o2ib:/fs2 rw,flock"
                ]
            Expect.isNull (SharedLockCheck.Warning("/home/me/sweep", info)) "local disk"
            Expect.isNull (SharedLockCheck.Warning("/shared/sweeps/a", info)) "NFSv4 with shared locks"
            Expect.stringContains
                (SharedLockCheck.Warning("/scratch/a", info))
                "on nfs mount /scratch, whose locks do not reach other nodes (nolock)"
                "nolock"
            Expect.stringContains (SharedLockCheck.Warning("/lustre/a", info)) "(no flock)" "lustre without flock"
            Expect.isNull (SharedLockCheck.Warning("/lustre2/a", info)) "lustre with flock"
        }
    ]

let private remote = AgentIdentity("other-node", 77, "ticks:1")

let stateTests =
    testList "sweep state" [
        test "only the current attempt's events count; a re-queued trial is pending again and forgets its epochs" {
            let sweep = parse gridText
            let state = SweepState(sweep)
            for e in
                [
                    TrialEvent.Created(0, values 1e-3)
                    TrialEvent.Started(0, 1, remote)
                    TrialEvent.EpochDone(0, 1, 1, 0.9, JsonObject())
                    TrialEvent.Requeued(0, 1, "gone")
                    TrialEvent.EpochDone(0, 1, 2, 0.1, JsonObject()) // the dead attempt's late line: ignored
                    TrialEvent.Started(0, 2, remote)
                    TrialEvent.EpochDone(0, 2, 1, 0.5, JsonObject())
                    TrialEvent.Ended(0, 1, TrialStatus.Finished, null)
                ] do // attempt 1 again: ignored
                state.Apply e
            let r = state.Find(0)
            Expect.equal r.Status TrialStatus.Running "attempt 2 runs"
            Expect.equal r.Attempts 2 "attempts"
            Expect.equal r.Requeues 1 "one death"
            Expect.equal (r.Epochs |> Seq.map (fun e -> e.Value) |> List.ofSeq) [ 0.5 ] "attempt 2's epochs only"
        }
        test "the search sees results, pending trials without one, and failures as the worst result" {
            let sweep = parse gridText
            let state = SweepState(sweep)
            for e in
                [
                    TrialEvent.Created(0, values 1e-4)
                    TrialEvent.Started(0, 1, remote)
                    TrialEvent.EpochDone(0, 1, 1, 2.0, JsonObject())
                    TrialEvent.Ended(0, 1, TrialStatus.Finished, null)
                    TrialEvent.Created(1, values 1e-3)
                    TrialEvent.Started(1, 1, remote)
                    TrialEvent.EpochDone(1, 1, 1, 0.5, JsonObject())
                    TrialEvent.Ended(1, 1, TrialStatus.Failed, "crash")
                    TrialEvent.Created(2, values 1e-2)
                    TrialEvent.Started(2, 1, remote)
                ] do
                state.Apply e
            let losses = state.Observations() |> Seq.map (fun o -> Option.ofNullable o.Loss) |> List.ofSeq
            Expect.equal losses [ Some 2.0; Some 2.0; None ] "finished, failed (worst), running"
        }
    ]

let reaperTests =
    testList "sweep reaper" [
        let now = DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc)
        let running agent started =
            TrialRecord(Index = 0, Status = TrialStatus.Running, Attempts = 1, Agent = agent, StartedAt = Nullable started)
        let beat at = Heartbeat(0, 1, remote, Nullable(), null, at)
        let alive _ = true
        test "another node's agent is alive while its heartbeat is fresh, dead once it is stale" {
            let r = running remote (now.AddMinutes -30.0)
            Expect.isNull (TrialReaper.Dead(r, beat (now.AddSeconds -30.0), now, TimeSpan.FromSeconds 120.0, "here", alive)) "fresh"
            Expect.stringContains
                (TrialReaper.Dead(r, beat (now.AddSeconds -300.0), now, TimeSpan.FromSeconds 120.0, "here", alive))
                "its agent other-node:77 has not reported for 300 s (stale after 120 s)"
                "stale"
            Expect.isNotNull
                (TrialReaper.Dead(r, null, now, TimeSpan.FromSeconds 120.0, "here", alive))
                "no heartbeat since a start long ago"
            Expect.isNull
                (TrialReaper.Dead(running remote (now.AddSeconds -5.0), null, now, TimeSpan.FromSeconds 120.0, "here", alive))
                "just started"
        }
        test "an agent of this machine is dead as soon as its process is gone, whatever its heartbeat" {
            let local = AgentIdentity("here", 12, "ticks:5")
            let r = running local now
            Expect.stringContains
                (TrialReaper.Dead(r, beat now, now, TimeSpan.FromSeconds 120.0, "here", (fun _ -> false)))
                "its agent here:12 is gone"
                "gone"
            Expect.isNull
                (TrialReaper.Dead(r, beat (now.AddHours -1.0), now, TimeSpan.FromSeconds 120.0, "here", alive))
                "alive (busy, not dead)"
        }
        test "an agent re-queues a dead agent's trial once and fails it the second time" {
            let store, config = create gridText 1 0
            let old = DateTime.UtcNow.AddHours -1.0
            let journal = SweepJournal(store.JournalPath)
            let started attempt = TrialEvent(TrialEventKind.Started, 0, old, Attempt = attempt, Agent = remote)
            journal.Append [| TrialEvent.Created(0, values 1e-3); started 1 |] |> ignore
            // the agent that created the trial wrote its config
            let writeConfig (store: SweepStore) (config: SweepConfig) =
                Directory.CreateDirectory(store.TrialDir 0) |> ignore
                File.WriteAllText(store.ConfigPath 0, config.Merge(values 1e-3, "trial 0"))
            writeConfig store config
            let launcher = ScriptedLauncher(fun _ -> [ 0.5 ])
            // the first death: re-queued, and this agent runs it
            (agent store config launcher (Some 1) 0).Run(CancellationToken.None) |> ignore
            let first = store.Load(config.Sweep).Find 0
            Expect.equal (first.Status, first.Attempts, first.Requeues) (TrialStatus.Finished, 2, 1) "re-queued, then run by this agent"
            // the same trial of another sweep dies twice
            let store2, config2 = create gridText 1 0
            SweepJournal(store2.JournalPath).Append [|
                TrialEvent.Created(0, values 1e-3)
                started 1
                TrialEvent.Requeued(0, 1, "gone")
                started 2
            |]
            |> ignore
            writeConfig store2 config2
            let report = (agent store2 config2 launcher (Some 1) 0).Run(CancellationToken.None)
            let second = store2.Load(config2.Sweep).Find 0
            Expect.equal second.Status TrialStatus.Failed "failed"
            Expect.stringContains second.Reason "the second time this trial lost its agent; failed" "why"
            Expect.equal report.TrialsRun 0 "nothing left for this agent"
        }
    ]

let directoryTests =
    testList "sweep directory" [
        test "a second init on one directory is refused; of two at once, exactly one wins" {
            let dir = tempDir ()
            let sweep = Path.Combine(dir, "sweep.yaml")
            File.WriteAllText(sweep, gridText)
            let out = Path.Combine(dir, "out")
            let init () =
                CliTests.deepcoro [
                    "sweep"
                    "init"
                    "--base"
                    fixture "base.yaml"
                    "--sweep"
                    sweep
                    "--output"
                    out
                    "--trial-command"
                    "true"
                ]
            let code, stdout, err = init ()
            Expect.equal code 0 err
            Expect.stringContains stdout (sprintf "deepcoro sweep agent %s" out) "how to run agents"
            let again, _, err2 = init ()
            Expect.equal again 1 "refused"
            Expect.stringContains err2 "already holds a sweep" "why"
            let store = SweepStore(Path.Combine(dir, "race"))
            let m = SweepStore(out).ReadManifest()
            let outcomes = Collections.Concurrent.ConcurrentQueue<bool>()
            let threads =
                Array.init 4 (fun _ ->
                    Thread(fun () ->
                        outcomes.Enqueue(
                            try
                                store.Init(gridText, baseText (), m) |> ignore
                                true
                            with :? DeepCoro.Spec.DeepCoroUserException ->
                                false
                        )))
            threads |> Array.iter (fun t -> t.Start())
            threads |> Array.iter (fun t -> t.Join())
            Expect.equal (outcomes |> Seq.filter id |> Seq.length) 1 "one init wins"
        }
        test "an agent pointed at a directory that is not a sweep says so" {
            let dir = tempDir ()
            let code, _, err = CliTests.deepcoro [ "sweep"; "agent"; dir ]
            Expect.equal code 1 err
            Expect.stringContains err "not a sweep directory (no sweep.json); create one with `deepcoro sweep init" "not a sweep"
            let missing, _, err2 = CliTests.deepcoro [ "sweep"; "agent"; Path.Combine(dir, "nope") ]
            Expect.equal missing 1 err2
            Expect.stringContains err2 "no such directory" "missing"
            let status, _, err3 = CliTests.deepcoro [ "sweep"; "status"; dir ]
            Expect.equal status 1 err3
        }
    ]

[<Tests>]
let tests = testList "sweep shared state" [ journalTests; lockTests; stateTests; reaperTests; directoryTests ]
