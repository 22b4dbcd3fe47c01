/// The command line's exit codes (documented in the README) and its own errors: a flag out of range, an output that
/// is also an input. The errors about files and configs are DeepCoro.Config.UserError's.
module DeepCoro.Cli.CliError

open System.IO
open DeepCoro.Config

module ExitCode =
    let ok = 0
    let failure = 1
    let usage = 2
    /// 128 + the signal, as shells report a process ended by SIGINT or SIGTERM.
    let interrupted (signal: int) = 128 + signal

/// A bad command line, printed as `error: <message>` with exit code 2.
exception UsageFailure of message: string

/// A run stopped by a signal: the message says what is left and how to go on.
exception Interrupted of message: string * signal: int

/// The value of an integer flag, checked against its rule (the same rule as the config key it overrides).
let checkInt (flag: string) (rule: OptionRules.Rule) (value: int) =
    match OptionRules.violation rule (float value) with
    | Some why -> raise (UsageFailure(sprintf "%s %d: %s" flag value why))
    | None -> value

let checkFloat (flag: string) (rule: OptionRules.Rule) (value: float) =
    match OptionRules.violation rule value with
    | Some why -> raise (UsageFailure(sprintf "%s %g: %s" flag value why))
    | None -> value

/// Refuses an output path that names one of the command's inputs: writing it would destroy what was read.
let refuseInputAsOutput (outputFlag: string) (output: string) (inputs: (string * string) list) =
    let full (p: string) = Path.GetFullPath p
    for (inputFlag, input) in inputs do
        if full input = full output then
            raise (
                UsageFailure(
                    sprintf
                        "%s %s: is also %s; writing it would overwrite that input, so choose another %s"
                        outputFlag
                        output
                        inputFlag
                        outputFlag
                )
            )
