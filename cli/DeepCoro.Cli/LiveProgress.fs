/// What the training and encoding displays share: a Spectre progress display on a terminal, plain lines when stdout
/// is redirected (logs, Slurm).
module DeepCoro.Cli.LiveProgress

open System
open Spectre.Console

/// The console Spectre writes to: stdout, so that progress and results interleave in order.
let console () = AnsiConsole.Create(AnsiConsoleSettings(Out = AnsiConsoleOutput(Console.Out)))

/// Runs `work` with the observer `plain ()` when stdout is redirected, else with `live ctx out` inside a progress
/// display (description, bar, percentage, elapsed and remaining time).
let run (plain: unit -> 'O) (live: ProgressContext -> IAnsiConsole -> 'O) (work: 'O -> 'T) : 'T =
    if Console.IsOutputRedirected then
        work (plain ())
    else
        let mutable result = Unchecked.defaultof<'T>
        let out = console ()
        out
            .Progress()
            .Columns(
                [|
                    TaskDescriptionColumn() :> ProgressColumn
                    ProgressBarColumn()
                    PercentageColumn()
                    ElapsedTimeColumn()
                    RemainingTimeColumn()
                |]
            )
            .Start(fun ctx -> result <- work (live ctx out))
        result
