/// The agents of a sweep on this machine: `deepcoro sweep agent DIR` child processes, their output in
/// DIR/logs/local-agent-K.log (their errors also on this process's error stream), stopped with SIGTERM so that each
/// re-queues its trial, and replaced when a signal killed one while work is left.
module DeepCoro.Cli.SweepLocalAgents

open System
open System.Diagnostics
open System.IO
open System.Runtime.InteropServices
open DeepCoro.Runtime.Sweeps

[<DllImport("libc", SetLastError = true)>]
extern int private kill(int pid, int signal)

let private sigterm = 15

/// One agent process and its log.
type private Agent = { Process: Process; Log: StreamWriter }

let private start (deepcoro: string list) (store: SweepStore) (slot: int) =
    let info = ProcessStartInfo(List.head deepcoro, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false)
    for a in List.tail deepcoro @ [ "sweep"; "agent"; store.Dir ] do
        info.ArgumentList.Add a
    let log = new StreamWriter(Path.Combine(store.LogsDir, sprintf "local-agent-%d.log" slot), true, AutoFlush = true)
    let p = new Process(StartInfo = info)
    p.OutputDataReceived.Add(fun e ->
        if not (isNull e.Data) then
            lock log (fun () -> log.WriteLine e.Data))
    p.ErrorDataReceived.Add(fun e ->
        if not (isNull e.Data) then
            lock log (fun () -> log.WriteLine e.Data)
            // an agent's own error (its log holds the rest) is the sweep's to show
            if e.Data.StartsWith "error:" then
                eprintfn "agent %d %s" slot e.Data)
    p.Start() |> ignore
    p.BeginOutputReadLine()
    p.BeginErrorReadLine()
    { Process = p; Log = log }

let private close (a: Agent) =
    a.Process.WaitForExit()
    a.Process.Dispose()
    a.Log.Dispose()

/// Exit codes above 128 (or negative) mean a signal ended the agent, not the sweep being done.
let private killedBySignal (a: Agent) = a.Process.HasExited && (a.Process.ExitCode > 128 || a.Process.ExitCode < 0)

/// `count` agent processes on `store`; at most `replacements` of them are replaced after a kill.
type LocalAgents(deepcoro: string list, store: SweepStore, count: int, replacements: int) =
    do Directory.CreateDirectory store.LogsDir |> ignore
    let agents = Array.init count (start deepcoro store)
    let mutable replaced = 0

    member _.Running = agents |> Array.exists (fun a -> not a.Process.HasExited)

    /// Starts another agent in the place of each one a signal killed, while `workLeft` says trials remain.
    member _.ReplaceKilled(workLeft: unit -> bool) =
        for slot in 0 .. count - 1 do
            let a = agents.[slot]
            if killedBySignal a && replaced < replacements && workLeft () then
                eprintfn "note: agent %d (pid %d) was killed (exit code %d); starting another" slot a.Process.Id a.Process.ExitCode
                close a
                replaced <- replaced + 1
                agents.[slot] <- start deepcoro store slot

    /// Asks every running agent to stop (each kills its trial and re-queues it).
    member _.Stop() =
        for a in agents do
            if not a.Process.HasExited then
                kill (a.Process.Id, sigterm) |> ignore

    interface IDisposable with
        member _.Dispose() = agents |> Array.iter close
