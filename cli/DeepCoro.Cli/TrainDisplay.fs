/// How a run shows its progress: a live Spectre.Console display (bar, loss, throughput, ETA) when stdout is a
/// terminal, plain lines otherwise (logs, CI, pipes).
module DeepCoro.Cli.TrainDisplay

open System
open System.Collections.Generic
open Spectre.Console
open DeepCoro.Runtime.Training

let private fmt (v: float) = if Double.IsNaN v then "-" else v.ToString("0.0000", Globalization.CultureInfo.InvariantCulture)

/// The few metrics worth a glance per epoch, on one short line: the main losses and each head's main validation
/// metric (AUC, R² or macro AUC).
let private headline (metrics: IReadOnlyDictionary<string, float>) =
    let value key =
        match metrics.TryGetValue key with
        | true, v -> fmt v
        | _ -> "-"
    let mains =
        metrics.Keys
        |> Seq.filter (fun k ->
            k.StartsWith "val/" && not (k.EndsWith "_micro_auc") && [ "_auc"; "_r2"; "_macro_auc" ] |> List.exists k.EndsWith)
        |> Seq.map (fun k -> sprintf "%s %s" (k.Substring 4) (value k))
        |> List.ofSeq
    let loss = sprintf "loss train %s val %s" (value "train/main_loss") (value "val/main_loss")
    if mains.IsEmpty then loss else sprintf "%s | val %s" loss (String.concat "  " mains)

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

/// The widest line metrics are printed in when the output is not a terminal (logs, pipes).
let private lineWidth = 120

/// `items` after `prefix`, separated by two spaces, in lines of at most lineWidth characters (an item longer than a
/// line has one to itself); the lines after the first indented to the prefix's width.
let wrapped (prefix: string) (items: string list) =
    let indent = String(' ', prefix.Length)
    let lines = Collections.Generic.List<string>()
    let mutable line = prefix
    let mutable empty = true
    for item in items do
        if not empty && line.Length + 2 + item.Length > lineWidth then
            lines.Add line
            line <- indent + item
        else
            line <- (if empty then line + item else line + "  " + item)
        empty <- false
    lines.Add line
    List.ofSeq lines

/// Metrics as a table: one row per split and head, the head's metrics as columns, each with its interval when
/// one was computed ("0.8123 [0.7811, 0.8430]"), each metric once (the reference's aliases stay in the files).
/// Without a terminal: per split and head, lines of at most 120 characters.
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
        |> Seq.filter (fun kv -> not (Metrics.IsReferenceAlias(kv.Key, Func<string, bool>(metrics.ContainsKey))))
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
            for line in wrapped (sprintf "%-5s %-12s " split head) (values |> List.map (fun (_, _, m, v) -> sprintf "%s %s" m v)) do
                printfn "%s" line
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
