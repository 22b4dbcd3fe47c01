/// How a run shows its progress: a live Spectre.Console display (bar, loss, throughput, ETA) when stdout is a
/// terminal, plain lines otherwise (logs, CI, pipes).
module DeepCoro.Cli.TrainDisplay

open System
open System.Collections.Generic
open Spectre.Console
open DeepCoro.Runtime.Training

let private fmt (v: float) = if Double.IsNaN v then "-" else v.ToString("0.0000", Globalization.CultureInfo.InvariantCulture)

/// The few metrics worth a glance per epoch: main losses and the first metric of each head's task.
let private headline (metrics: IReadOnlyDictionary<string, float>) =
    metrics
    |> Seq.filter (fun kv ->
        kv.Key = "train/main_loss"
        || kv.Key = "val/main_loss"
        || [ "_auc"; "_r2"; "_macro_auc" ] |> List.exists (fun s -> kv.Key.StartsWith "val/" && kv.Key.EndsWith s))
    |> Seq.map (fun kv -> sprintf "%s %s" kv.Key (fmt kv.Value))
    |> String.concat "  "

/// A console on the current Console.Out: AnsiConsole's own keeps the writer of its first use, so output redirected
/// later (the tests capture it) would be drawn elsewhere.
let private console = LiveProgress.console

/// Plain lines: one per epoch and for notes; nothing per batch.
type PlainObserver() =
    interface ITrainingObserver with
        member _.Started(first, epochs, batches, studies) =
            printfn "training: epochs %d..%d, %d batches per epoch, %d train studies" first epochs batches studies
        member _.Batch(_, _, _, _) = ()
        member _.Evaluating(_, _) = ()
        member _.EpochEnded(epoch, metrics, improved) =
            printfn
                "epoch %d: %s  %.1f studies/s%s"
                epoch
                (headline metrics)
                metrics.["train/studies_per_second"]
                (if improved then "  (best)" else "")
        member _.Note(message) = printfn "%s" message

/// A live bar per epoch inside a Spectre progress context.
type private LiveObserver(ctx: ProgressContext, out: IAnsiConsole) =
    let mutable task: ProgressTask = null
    let mutable batches = 1
    let mutable epochs = 1
    interface ITrainingObserver with
        member _.Started(first, e, b, _) =
            batches <- max 1 b
            epochs <- e
        member _.Batch(epoch, batch, loss, rate) =
            if isNull task || batch = 1 then
                if not (isNull task) then
                    task.StopTask()
                task <- ctx.AddTask(sprintf "epoch %d/%d" epoch epochs, true, float batches)
            task.Value <- float batch
            task.Description <- sprintf "epoch %d/%d  loss %s  %.1f studies/s" epoch epochs (fmt loss) rate
        member _.Evaluating(epoch, split) =
            // descriptions are markup: the brackets must be escaped (unescaped, Spectre's refresh thread threw)
            if not (isNull task) then
                task.Description <- sprintf "%s  %s" task.Description (Markup.Escape(sprintf "[evaluating %s]" split))
        member _.EpochEnded(epoch, metrics, improved) =
            if not (isNull task) then
                task.StopTask()
            task <- null
            out.MarkupLine(Markup.Escape(sprintf "epoch %d: %s%s" epoch (headline metrics) (if improved then "  (best)" else "")))
        member _.Note(message) = out.MarkupLine(Markup.Escape message)

/// Runs `work` with the display that suits stdout.
let run (work: ITrainingObserver -> 'T) : 'T =
    LiveProgress.run (fun () -> PlainObserver() :> ITrainingObserver) (fun ctx out -> LiveObserver(ctx, out)) work

/// Metrics as a table: one row per split and head, the head's metrics as columns, each with its interval when
/// one was computed ("0.8123 [0.7811, 0.8430]").
let printMetrics
    (metrics: IReadOnlyDictionary<string, float>)
    (intervals: IReadOnlyDictionary<string, DeepCoro.Runtime.Evaluation.MetricInterval>)
    =
    let cell key v =
        match intervals.TryGetValue key with
        | true, ci -> sprintf "%s [%s, %s]" (fmt v) (fmt ci.Lower) (fmt ci.Upper)
        | _ -> fmt v
    let rows =
        metrics
        |> Seq.choose (fun kv ->
            match kv.Key.Split('/', 2) with
            | [| split; rest |] when rest <> "main_loss" ->
                let i = rest.IndexOf '_'
                if i > 0 then Some(split, rest.Substring(0, i), rest.Substring(i + 1), cell kv.Key kv.Value) else None
            | _ -> None)
        |> Seq.toList
    let groups = rows |> List.groupBy (fun (s, h, _, _) -> s, h)
    if Console.IsOutputRedirected then
        for ((split, head), values) in groups do
            printfn "%-5s %-12s %s" split head (values |> List.map (fun (_, _, m, v) -> sprintf "%s=%s" m v) |> String.concat " ")
    else
        let out = console ()
        for (head, byHead) in groups |> List.groupBy (fun ((_, h), _) -> h) do
            let names = byHead |> List.collect (fun (_, vs) -> vs |> List.map (fun (_, _, m, _) -> m)) |> List.distinct
            let table = Table().Title(Markup.Escape head)
            table.AddColumn "split" |> ignore
            for n in names do
                table.AddColumn(TableColumn(Markup.Escape n).RightAligned()) |> ignore
            for ((split, _), values) in byHead do
                let cell n =
                    values |> List.tryFind (fun (_, _, m, _) -> m = n) |> Option.map (fun (_, _, _, v) -> v) |> Option.defaultValue ""
                table.AddRow(Array.append [| split |] (names |> List.map (cell >> Markup.Escape) |> Array.ofList)) |> ignore
            out.Write table
