/// The command line's exit codes (documented in the README) and its own errors: a flag out of range, an output that
/// is also an input. The errors about files and configs are DeepCoro.Config.UserError's.
module DeepCoro.Cli.CliError

open System.IO
open DeepCoro.Spec
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

/// A remedy of the runtime or the config layer in this command line's words, with its flag names (the layers below
/// name none).
let remedy (fix: Remedy) =
    match fix with
    | Remedy.ResumeOrOtherOutput -> Some "pass --resume to continue it, or choose another --output"
    | Remedy.ResumeWithSameOptions -> Some "resume with the options it was trained with (only --epochs may change)"
    | Remedy.RunAgentsOrOtherOutput -> Some "run agents on it (deepcoro sweep agent <that folder>), or pick another --output"
    | Remedy.SameInputsOrOtherOutput -> Some "resume with the same inputs and options, or choose another --output"
    | Remedy.OtherOutput -> Some "choose another --output"
    | Remedy.InitSweep -> Some "create one with `deepcoro sweep init --base B --sweep S --output <that folder>`"
    | Remedy.MoreAgents -> Some "give --agents 1 or more"
    | Remedy.GiveVideos -> Some "give --csv or files"
    | Remedy.GiveFramesAndResize -> Some "give --frames F and --resize R (or export it with tools/export_encoder.py)"
    | Remedy.KeepFolders -> Some "keep their folders (--keep-folders) to tell them apart"
    | Remedy.UseCpu -> Some "or use --device cpu"
    | Remedy.FewerFolds -> Some "use fewer --folds"
    | _ -> None

/// The `error:` line's text for an exception the user caused: its message, then its remedy in this command line's
/// words; None for a bug.
let userMessage (e: exn) =
    match UserError.messageOf e, e with
    | Some message, (:? DeepCoroUserException as u) ->
        match remedy u.Fix with
        | Some fix -> Some(message + "; " + fix)
        | None -> Some message
    | message, _ -> message
