/// What a person sees of a sweep: one line per trial event (from an agent's own events or the shared journal), the
/// state of running trials, the leaderboard, and the lock's cost an agent reports when it ends.
module DeepCoro.Cli.SweepDisplay

open System
open DeepCoro.Runtime.Sweeps

let paramText (values: Text.Json.Nodes.JsonObject) =
    values |> Seq.map (fun kv -> sprintf "%s=%s" kv.Key (SweepValues.Format kv.Value)) |> String.concat " "

let private metricText (v: Nullable<float>) = if v.HasValue then sprintf "%.6g" v.Value else "-"

let private bestText (metric: SweepMetric) (state: SweepState) =
    match Leaderboard.Best(state.Trials, metric) with
    | null -> ""
    | best -> sprintf "  [best: trial %d, %s]" best.Index (metricText best.Final)

/// The line for one event of the journal, once `state` has taken it in; None for events that show elsewhere.
let eventLine (metric: SweepMetric) (state: SweepState) (e: TrialEvent) =
    let name = TrialRecord.Name e.Trial
    let trial = state.Find e.Trial
    let reason = if isNull e.Reason then "" else sprintf "  (%s)" e.Reason
    match e.Kind with
    | TrialEventKind.Created -> None
    | TrialEventKind.Invalid -> Some(sprintf "%s  invalid  %s%s" name (paramText trial.Params) reason)
    | TrialEventKind.Started -> Some(sprintf "%s  started (attempt %d on %O)  %s" name e.Attempt e.Agent (paramText trial.Params))
    | TrialEventKind.Epoch -> Some(sprintf "%s  epoch %d  %s=%.6g%s" name e.Epoch metric.Name e.Value (bestText metric state))
    | TrialEventKind.Ended ->
        let value =
            if trial.Final.HasValue then sprintf "  %s=%s (epoch %d)" metric.Name (metricText trial.Final) trial.BestEpoch.Value else ""
        Some(sprintf "%s  %s%s%s%s" name (e.Status.ToString().ToLowerInvariant()) value reason (bestText metric state))
    | TrialEventKind.Requeued -> Some(sprintf "%s  re-queued%s" name reason)
    | TrialEventKind.Interrupted -> Some(sprintf "%s  interrupted%s" name reason)
    | _ -> None

/// Prints an agent's own events as they happen; notes go to the error stream.
type LineObserver(metric: SweepMetric, out: IO.TextWriter) =
    interface ISweepObserver with
        member _.Appended(e, state) =
            eventLine metric state e |> Option.iter out.WriteLine
            out.Flush()
        member _.Note(message) = eprintfn "note: %s" message

/// Reads the journal as agents append to it and prints a line per event: the one-machine sweep's display and
/// `sweep status --follow`.
type JournalFollower(store: SweepStore, sweep: SweepDefinition, out: IO.TextWriter) =
    let journal = SweepJournal(store.JournalPath)
    let state = SweepState(sweep)
    member _.State = state
    /// Takes in what the journal holds so far without printing it (a resumed sweep shows only what happens next).
    member _.CatchUp() =
        for e in journal.ReadNew() do
            state.Apply e
    member _.Poll() =
        for e in journal.ReadNew() do
            state.Apply e
            eventLine sweep.Metric state e |> Option.iter out.WriteLine
        out.Flush()

/// Counts by status, e.g. "3 running, 2 pending, 6 finished".
let counts (trials: TrialRecord seq) =
    trials
    |> Seq.countBy (fun t -> t.Status)
    |> Seq.sortBy fst
    |> Seq.map (fun (s, n) -> sprintf "%d %s" n (s.ToString().ToLowerInvariant()))
    |> String.concat ", "

/// Running trials with their agent, progress and last sign of life.
let running (store: SweepStore) (metric: SweepMetric) (state: SweepState) = [
    for t in state.Trials do
        if t.Status = TrialStatus.Running then
            let beat = Heartbeat.Read(store.HeartbeatPath(t.Index, t.Attempts))
            let seen =
                if isNull beat || beat.Attempt <> t.Attempts then
                    "no heartbeat yet"
                else
                    sprintf "heartbeat %.0f s ago" (DateTime.UtcNow - beat.At).TotalSeconds
            let progress =
                if t.Epochs.Count = 0 then
                    "no epoch yet"
                else
                    sprintf "epoch %d, best %s=%s" t.Epochs.[t.Epochs.Count - 1].Epoch metric.Name (metricText t.Final)
            yield sprintf "  %s  attempt %d on %O: %s; %s" (TrialRecord.Name t.Index) t.Attempts t.Agent progress seen
]

/// The leaderboard: trials with a result, best first, then a count of the others by status and why some failed.
let leaderboard (metric: SweepMetric) (trials: TrialRecord seq) (top: int) =
    let ranked = Leaderboard.Rank(trials, metric)
    let scored = ranked |> Seq.filter (fun t -> t.HasResult) |> Seq.truncate top |> List.ofSeq
    [
        yield sprintf "%-4s  %-10s  %-9s  %12s  %5s  %s" "rank" "trial" "status" metric.Name "epoch" "parameters"
        for i, t in List.indexed scored do
            yield
                sprintf
                    "%-4d  %-10s  %-9s  %12s  %5d  %s"
                    (i + 1)
                    (TrialRecord.Name t.Index)
                    (t.Status.ToString().ToLowerInvariant())
                    (metricText t.Final)
                    t.BestEpoch.Value
                    (paramText t.Params)
        yield
            sprintf
                "%d trials: %s (goal: %s %s)"
                (Seq.length ranked)
                (counts ranked)
                (metric.Goal.ToString().ToLowerInvariant())
                metric.Name
        for t in ranked do
            if t.Status = TrialStatus.Failed || t.Status = TrialStatus.Invalid then
                yield sprintf "  %s %s: %s" (TrialRecord.Name t.Index) (t.Status.ToString().ToLowerInvariant()) t.Reason
    ]

let private median (xs: TimeSpan seq) =
    let sorted = xs |> Seq.map (fun t -> t.TotalMilliseconds) |> Seq.sort |> Array.ofSeq
    if sorted.Length = 0 then 0.0 else sorted.[sorted.Length / 2]

let private maxMs (xs: TimeSpan seq) = if Seq.isEmpty xs then 0.0 else xs |> Seq.map (fun t -> t.TotalMilliseconds) |> Seq.max

/// One line an agent prints when it ends (the scale check reads these): its trials and the lock's cost.
let agentSummary (agent: AgentIdentity) (r: AgentReport) =
    sprintf
        "agent %O: %d trials%s; lock: %d acquisitions, wait median %.2f ms (max %.1f ms); held per proposal median %.2f ms (max %.1f ms; CPU median %.2f ms) over %d, to report median %.2f ms"
        agent
        r.TrialsRun
        (if r.Interrupted then " (stopped)" else "")
        r.LockWaits.Count
        (median r.LockWaits)
        (maxMs r.LockWaits)
        (median r.ProposalHolds)
        (maxMs r.ProposalHolds)
        (median r.ProposalCpu)
        r.ProposalHolds.Count
        (median r.ReportHolds)
