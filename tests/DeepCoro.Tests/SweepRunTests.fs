/// Sweeps that run trials: invalid trials never launched, resume after a kill, hyperband killing a trial through
/// the runner, and a small sweep on a real one-node Slurm. Trials are tests/.../SweepFixtures/fake_trial.sh, a
/// scripted stand-in for `deepcoro train` that writes the trainer's metrics.jsonl.
module DeepCoro.Tests.SweepRunTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json.Nodes
open Expecto
open DeepCoro.Runtime.Sweeps
open DeepCoro.Tests.TestSupport

let private fixtures = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "SweepFixtures")
let private fixture name = Path.Combine(fixtures, name)
let private fakeTrial epochs (pause: float) =
    sprintf "sh %s {config} {output} %d %g" (fixture "fake_trial.sh") epochs pause

let private write dir name (text: string) =
    let p = Path.Combine(dir, name)
    File.WriteAllText(p, text)
    p

let private completions dir =
    let p = Path.Combine(dir, "completions.log")
    if File.Exists p then File.ReadAllLines p |> Array.filter (fun l -> l <> "") else [||]

let private gridSweep = "method: grid\nmetric: {name: val/main_loss, goal: minimize}\nparameters:\n  lr: {values: [1.0e-4, 1.0e-3, 1.0e-2, 1.0e-1, 3.0e-3, 3.0e-4]}\n"

/// `deepcoro` as a child process (the apphost beside the tests).
let private deepcoro (args: string list) =
    let info = ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "deepcoro"), RedirectStandardOutput = true, RedirectStandardError = true)
    for a in args do info.ArgumentList.Add a
    Process.Start info

let runTests =
    testList "sweep runs" [
        test "invalid trials are recorded with the spec error and never launched" {
            let dir = tempDir ()
            let out = Path.Combine(dir, "sweep")
            let code =
                DeepCoro.Cli.Program.execute
                    [| "sweep"; "--base"; fixture "base.yaml"; "--sweep"; fixture "sweep_random.yaml"; "--trials"; "8"; "--parallel"; "2"
                       "--output"; out; "--seed"; "3"; "--trial-command"; fakeTrial 2 0.0 |]
            Expect.equal code 0 "exit code"
            let records = SweepStore(out).LoadAll().Values |> List.ofSeq
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
                    Expect.isFalse (Directory.Exists(SweepStore(out).RunDir r.Index)) "no run directory"
                    Expect.isFalse (ran |> Array.exists (fun c -> c.Contains(TrialRecord.Name r.Index))) "never ran"
                else Expect.equal r.Status TrialStatus.Finished "8 heads run"
            Expect.isTrue (File.Exists(Path.Combine(out, "best_config.yaml"))) "best config"
            Expect.isTrue (File.Exists(Path.Combine(out, "plots", "lr.png"))) "plot"
        }

        test "resume after killing the sweep midway: every trial completes, none twice" {
            let dir = tempDir ()
            let out = Path.Combine(dir, "sweep")
            let sweep = write dir "sweep.yaml" gridSweep
            let args = [ "sweep"; "--base"; fixture "base.yaml"; "--sweep"; sweep; "--parallel"; "2"; "--output"; out; "--trial-command"; fakeTrial 4 0.25 ]
            let first = deepcoro args
            // Kill only while a trial is mid-run (1 or 2 of its 4 epochs logged), whatever the machine's speed.
            let midRun () =
                Directory.Exists out
                && (try SweepStore(out).LoadAll().Values |> Seq.exists (fun r -> r.Status = TrialStatus.Running && r.Epochs.Count >= 1 && r.Epochs.Count <= 2) with _ -> false)
            let deadline = DateTime.UtcNow.AddSeconds 60.0
            while (completions(out).Length < 2 || not (midRun ())) && DateTime.UtcNow < deadline do Threading.Thread.Sleep 20
            first.Kill(entireProcessTree = true)
            first.WaitForExit()
            let before = completions out
            Expect.isGreaterThanOrEqual before.Length 2 "some trials finished before the kill"
            Expect.isLessThan before.Length 6 "the kill came midway"
            let second = deepcoro args
            Expect.isTrue (second.WaitForExit 60000) "the resumed sweep ends"
            Expect.equal second.ExitCode 0 (second.StandardError.ReadToEnd())
            let records = SweepStore(out).LoadAll().Values |> List.ofSeq
            Expect.equal records.Length 6 "six trials"
            Expect.isTrue (records |> List.forall (fun r -> r.Status = TrialStatus.Finished)) "all finished"
            let completed = completions out
            Expect.equal completed.Length 6 (sprintf "each trial completed once: %A" completed)
            Expect.equal (completed |> Array.distinct).Length 6 "no trial completed twice"
            for c in before do Expect.contains completed c "finished trials are kept"
            Expect.isTrue (records |> List.exists (fun r -> r.Attempts = 2)) "an interrupted trial ran again"
        }

        test "a crashing trial fails alone; the sweep goes on" {
            let dir = tempDir ()
            let sweep = write dir "sweep.yaml" "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  crash: {values: [false, true, false]}\n"
            let out = Path.Combine(dir, "sweep")
            let code = DeepCoro.Cli.Program.execute [| "sweep"; "--base"; fixture "base.yaml"; "--sweep"; sweep; "--output"; out; "--trial-command"; fakeTrial 2 0.0 |]
            Expect.equal code 0 "exit code"
            let statuses = SweepStore(out).LoadAll().Values |> Seq.map (fun r -> r.Status, r.Reason) |> List.ofSeq
            Expect.equal (statuses |> List.map fst) [ TrialStatus.Finished; TrialStatus.Failed; TrialStatus.Finished ] "statuses"
            Expect.stringContains (snd statuses.[1]) "simulated crash" "the trial's error output"
        }

        test "hyperband through the runner kills a weak trial at its rung" {
            let dir = tempDir ()
            let sweepText = "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-3, 1.0e-1, 2.0e-3]}\nearly_terminate: {type: hyperband, min_iter: 1, eta: 2, s: 2}\n"
            let sweep = SweepFileParser.Parse("sweep.yaml", sweepText)
            let store = SweepStore(Path.Combine(dir, "sweep"))
            let baseText = File.ReadAllText(fixture "base.yaml")
            let config = SweepConfig("base.yaml", fixtures, baseText, sweep.Parameters)
            let launched = Collections.Generic.List<int>()
            let killed = Collections.Generic.HashSet<int>()
            // one epoch per poll, the fake script's curve: (log10 lr + 3)^2 + 1/e over 5 epochs
            let launcher =
                { new ITrialLauncher with
                    member _.Start(launch) =
                        launched.Add launch.Index
                        let lr = match SweepValues.TryNumber((SweepConfig.ToJson(File.ReadAllText launch.ConfigPath) :?> JsonObject).["lr"]) with | true, x -> x | _ -> nan
                        let mutable epoch = 0
                        { new IRunningTrial with
                            member _.ProcessId = Nullable()
                            member _.ProcessStart = Nullable()
                            member _.HasExited = epoch >= 5
                            member _.ExitCode = 0
                            member _.ReadNewRows() =
                                if epoch >= 5 then [||]
                                else
                                    epoch <- epoch + 1
                                    [| JsonObject(dict [ "epoch", JsonValue.Create epoch :> JsonNode
                                                         "val/main_loss", JsonValue.Create((log10 lr + 3.0) ** 2.0 + 1.0 / float epoch) :> JsonNode ]) |]
                            member _.FailureDetail() = ""
                            member _.Kill() = killed.Add launch.Index |> ignore
                            member _.Dispose() = () } }
            let validator = { new ITrialValidator with member _.Check(_, _) = null }
            let runner = SweepRunner(store, sweep, config, Suggesters.For(sweep, 0), validator, launcher)
            let records = runner.Run(SweepRunOptions(3, 1, TimeSpan.Zero), Threading.CancellationToken.None)
            Expect.sequenceEqual launched [ 0; 1; 2 ] "every trial launched once"
            let byIndex = records |> Seq.map (fun r -> r.Index, r) |> dict
            Expect.equal byIndex.[1].Status TrialStatus.Stopped "lr 0.1 stopped"
            Expect.equal byIndex.[1].Epochs.Count 1 "at rung 1"
            Expect.isTrue (killed.Contains 1) "its process killed"
            Expect.equal byIndex.[0].Status TrialStatus.Finished "lr 1e-3 ran"
            // trial 2 at rung 1: [1, 5, 1.09] keep 2 -> on; rung 2: [0.5, 0.59] keep 1 -> stop
            Expect.equal byIndex.[2].Status TrialStatus.Stopped "lr 2e-3 stopped at rung 2"
            Expect.equal byIndex.[2].Epochs.Count 2 "after two epochs"
        }

        test "a sweep directory refuses another sweep file" {
            let dir = tempDir ()
            let out = Path.Combine(dir, "sweep")
            let run sweepText =
                DeepCoro.Cli.Program.execute [| "sweep"; "--base"; fixture "base.yaml"; "--sweep"; write dir "s.yaml" sweepText; "--output"; out; "--trial-command"; fakeTrial 1 0.0 |]
            Expect.equal (run "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [0.01]}\n") 0 "first"
            Expect.equal (run "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [0.02]}\n") 1 "another sweep file"
        }
    ]

/// Slurm, started by tests/slurm/setup.sh (CI runs it first; here too when missing). Skips only when it cannot come up.
let private slurmReady =
    lazy (
        let ok () =
            try
                let p = Process.Start(ProcessStartInfo("sinfo", "-h -o %T", RedirectStandardOutput = true, RedirectStandardError = true))
                p.WaitForExit 10000 && p.ExitCode = 0 && (let o = p.StandardOutput.ReadToEnd() in o.Contains "idle" || o.Contains "mixed")
            with _ -> false
        if ok () then None
        else
            let setup = Path.Combine(repoRoot, "tests", "slurm", "setup.sh")
            let p = Process.Start(ProcessStartInfo("bash", setup, RedirectStandardOutput = true, RedirectStandardError = true))
            let err = p.StandardError.ReadToEnd()
            p.WaitForExit()
            if p.ExitCode = 0 && ok () then None else Some(sprintf "slurm could not be installed or started (tests/slurm/setup.sh: %s)" (err.Trim())))

let slurmTests =
    testList "sweep slurm" [
        testCase "a small sweep runs as a real Slurm job array; sweep status gathers it" <| fun () ->
            match slurmReady.Force() with
            | Some why -> skiptest why
            | None ->
                let dir = tempDir ()
                let sweep = write dir "sweep.yaml" "method: grid\nmetric: {name: val/main_loss}\nparameters:\n  lr: {values: [1.0e-4, 1.0e-3, 1.0e-2]}\n  num_attention_heads: {values: [8, 12]}\n"
                let out = Path.Combine(dir, "slurm")
                let code =
                    DeepCoro.Cli.Program.execute
                        [| "sweep"; "--base"; fixture "base.yaml"; "--sweep"; sweep; "--emit-slurm"; out; "--cpus"; "1"; "--time"; "00:05:00"
                           "--parallel"; "2"; "--trial-command"; fakeTrial 2 0.0 |]
                Expect.equal code 0 "emit"
                let script = File.ReadAllText(Path.Combine(out, "sweep.sbatch"))
                Expect.stringContains script "#SBATCH --array=0,2,4%2" "valid trials only (12 heads do not divide 512)"
                let sbatch = Process.Start(ProcessStartInfo("sbatch", sprintf "--wait %s" (Path.Combine(out, "sweep.sbatch")), RedirectStandardOutput = true, RedirectStandardError = true))
                Expect.isTrue (sbatch.WaitForExit 180000) "the array finishes within 3 minutes"
                Expect.equal sbatch.ExitCode 0 (sbatch.StandardError.ReadToEnd())
                Expect.equal (DeepCoro.Cli.Program.execute [| "sweep"; "status"; out |]) 0 "status"
                let records = SweepStore(out).LoadAll().Values |> List.ofSeq
                Expect.equal (records |> List.filter (fun r -> r.Status = TrialStatus.Finished) |> List.length) 3 "three trials ran on Slurm"
                Expect.equal (records |> List.filter (fun r -> r.Status = TrialStatus.Invalid) |> List.length) 3 "three invalid"
                Expect.isTrue (File.Exists(Path.Combine(out, "best_config.yaml"))) "best config from the gathered records"
    ]

[<Tests>]
let tests = testList "sweep processes" [ runTests; slurmTests ]
