/// Errors for people: one line naming the file, key or field, and a non-zero exit code.
module DeepCoro.Cli.CliError

open System
open DeepCoro.Spec
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model

/// A user-facing failure that the entry point prints as `error: <message>`.
exception CliFailure of message: string

let fail message = raise (CliFailure message)

/// Exit codes documented in the README.
module ExitCode =
    let ok = 0
    let failure = 1
    let usage = 2

/// The message for an exception a user caused, or None for a bug (which keeps its stack trace).
let describe (e: exn) =
    match e with
    | CliFailure m -> Some m
    | :? SpecException as s -> Some s.Message
    | :? DeepCoro.Dsl.DeepCoroConfig.ConfigError as c -> Some c.Message
    | :? SafetensorsException as s -> Some s.Message
    | :? DeepCoro.Runtime.Data.DataException as d -> Some d.Message
    | :? StateDictException as s -> Some s.Message
    | :? InputShapeException as s -> Some s.Message
    | :? ArgumentException as a -> Some a.Message
    | :? IO.FileNotFoundException as f -> Some (sprintf "%s: file not found" f.FileName)
    | :? IO.InvalidDataException as d -> Some d.Message
    | :? IO.DirectoryNotFoundException as d -> Some d.Message
    | :? UnauthorizedAccessException as u -> Some u.Message
    | _ -> None
