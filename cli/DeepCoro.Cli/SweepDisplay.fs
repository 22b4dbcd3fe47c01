/// What a person sees of a sweep: one line per trial event while it runs, then the leaderboard.
module DeepCoro.Cli.SweepDisplay

open System
open System.Collections.Generic
open DeepCoro.Runtime.Sweeps

let private paramText (t: TrialRecord) =
    t.Params |> Seq.map (fun kv -> sprintf "%s=%s" kv.Key (SweepValues.Format kv.Value)) |> String.concat " "

let private metricText (v: Nullable<float>) = if v.HasValue then sprintf "%.6g" v.Value else "-"

/// Prints each change of a trial as one line (started, epoch, final status) with the best so far.
type LineObserver(metric: SweepMetric, out: IO.TextWriter) =
    let lastEpochs = Dictionary<int, int>()
    let lastStatus = Dictionary<int, TrialStatus>()
    interface ISweepObserver with
        member _.Changed(t, all) =
            let best = Leaderboard.Best(all, metric)
            let bestText =
                if isNull best then "" else sprintf "  [best: trial %d, %s]" best.Index (metricText best.Final)
            let prevStatus = match lastStatus.TryGetValue t.Index with | true, s -> Some s | _ -> None
            let prevEpochs = match lastEpochs.TryGetValue t.Index with | true, e -> e | _ -> 0
            lastStatus.[t.Index] <- t.Status
            lastEpochs.[t.Index] <- t.Epochs.Count
            let name = TrialRecord.Name t.Index
            match t.Status with
            | TrialStatus.Running when prevStatus <> Some TrialStatus.Running ->
                out.WriteLine(sprintf "%s  started (attempt %d)  %s" name t.Attempts (paramText t))
            | TrialStatus.Running when t.Epochs.Count > prevEpochs ->
                let e = t.Epochs.[t.Epochs.Count - 1]
                out.WriteLine(sprintf "%s  epoch %d  %s=%.6g%s" name e.Epoch metric.Name e.Value bestText)
            | TrialStatus.Running | TrialStatus.Pending -> ()
            | s when prevStatus = Some s -> ()
            | s ->
                let what = s.ToString().ToLowerInvariant()
                let value = if t.Final.HasValue then sprintf "  %s=%s (epoch %d)" metric.Name (metricText t.Final) t.BestEpoch.Value else ""
                let reason = if isNull t.Reason then "" else sprintf "  (%s)" t.Reason
                let pars = if s = TrialStatus.Invalid then "  " + paramText t else ""
                out.WriteLine(sprintf "%s  %s%s%s%s%s" name what value pars reason bestText)
            out.Flush()

/// The leaderboard: trials with a metric, best first, then a count of the others by status.
let leaderboard (metric: SweepMetric) (trials: TrialRecord seq) (top: int) =
    let ranked = Leaderboard.Rank(trials, metric)
    let scored = ranked |> Seq.filter (fun t -> t.Final.HasValue) |> Seq.truncate top |> List.ofSeq
    [ yield sprintf "%-4s  %-10s  %-9s  %12s  %5s  %s" "rank" "trial" "status" metric.Name "epoch" "parameters"
      for i, t in List.indexed scored do
          yield sprintf "%-4d  %-10s  %-9s  %12s  %5d  %s" (i + 1) (TrialRecord.Name t.Index) (t.Status.ToString().ToLowerInvariant())
                    (metricText t.Final) t.BestEpoch.Value (paramText t)
      let counts =
          ranked |> Seq.countBy (fun t -> t.Status) |> Seq.sortBy fst
          |> Seq.map (fun (s, n) -> sprintf "%d %s" n (s.ToString().ToLowerInvariant())) |> String.concat ", "
      yield sprintf "%d trials: %s (goal: %s %s)" (Seq.length ranked) counts (metric.Goal.ToString().ToLowerInvariant()) metric.Name
      for t in ranked do
          if t.Status = TrialStatus.Failed || t.Status = TrialStatus.Invalid then
              yield sprintf "  %s %s: %s" (TrialRecord.Name t.Index) (t.Status.ToString().ToLowerInvariant()) t.Reason ]
