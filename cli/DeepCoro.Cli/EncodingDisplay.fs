/// How videos going through an encoder show their progress (embed, and training with an encoder): a live bar with
/// rate and ETA on a terminal, a plain line every 10 seconds otherwise.
module DeepCoro.Cli.EncodingDisplay

open System
open System.Diagnostics
open Spectre.Console
open DeepCoro.Runtime.Encoders

let private duration (seconds: float) =
    let t = TimeSpan.FromSeconds(max 0.0 seconds)
    if t.TotalHours >= 1.0 then sprintf "%dh%02dm" (int t.TotalHours) t.Minutes else sprintf "%dm%02ds" t.Minutes t.Seconds

/// Counts, rate and ETA, shared by both displays.
type private Progress() =
    let clock = Stopwatch.StartNew()
    let mutable total = 0
    let mutable already = 0
    let mutable finished = 0
    let mutable failed = 0
    member _.Start(t, d) =
        total <- t
        already <- d
        clock.Restart()
    member _.Add(failure: bool) =
        finished <- finished + 1
        (if failure then
             failed <- failed + 1)
    member _.Done = already + finished
    member _.Total = total
    member _.Line =
        let rate = float finished / max 1e-9 clock.Elapsed.TotalSeconds
        let left = total - already - finished
        let eta = if finished > 0 then duration (float left / rate) else "-"
        sprintf
            "%d/%d videos  %.2f videos/s  ETA %s%s"
            (already + finished)
            total
            rate
            eta
            (if failed > 0 then sprintf "  %d failed" failed else "")

/// Plain lines (logs, Slurm): one every 10 seconds and at the end.
type private PlainObserver() =
    let progress = Progress()
    let mutable last = Stopwatch.StartNew()
    interface IEncodingObserver with
        member _.Started(total, done') =
            progress.Start(total, done')
            printfn "embed: %d videos%s" total (if done' > 0 then sprintf ", %d already done" done' else "")
        member _.Finished(_, failure) =
            progress.Add(not (isNull failure))
            if last.Elapsed.TotalSeconds >= 10.0 || progress.Done = progress.Total then
                printfn "%s" progress.Line
                last.Restart()
        member _.Note(message) = eprintfn "%s" message

/// A live bar with rate and ETA.
type private LiveObserver(ctx: ProgressContext, out: IAnsiConsole) =
    let progress = Progress()
    let mutable task: ProgressTask = null
    interface IEncodingObserver with
        member _.Started(total, done') =
            progress.Start(total, done')
            task <- ctx.AddTask(Markup.Escape progress.Line, true, float (max 1 total))
            task.Value <- float done'
        member _.Finished(_, failure) =
            progress.Add(not (isNull failure))
            task.Value <- float progress.Done
            task.Description <- Markup.Escape progress.Line
        member _.Note(message) = out.MarkupLine(Markup.Escape message)

/// Runs `work` with an observer that shows its progress.
let show (work: IEncodingObserver -> 'T) : 'T =
    LiveProgress.run (fun () -> PlainObserver() :> IEncodingObserver) (fun ctx out -> LiveObserver(ctx, out)) work
