/// Errors for people: one line naming the file, key or field. The command line prints them and exits non-zero.
module DeepCoro.Config.UserError

open System
open DeepCoro.Spec
open DeepCoro.Runtime.IO

/// A user-facing failure of the config layer or the command line, printed as `error: <message>`.
type UserFailure(message: string, fix: Remedy) =
    inherit DeepCoroUserException(message, fix)
    new(message: string) = UserFailure(message, Remedy.None)

let fail message = raise (UserFailure message)

/// Fails unless `path` is a file: "path: <what> not found" (what: "config file"), or a directory.
let requireFile (what: string) (path: string) =
    match InputFile.Problem(path, what) with
    | null -> ()
    | problem -> fail problem

/// The message of an I/O failure that no writer or reader named itself: .NET's own, on one line.
let private oneLine (message: string) = message.ReplaceLineEndings(" ").Trim()

/// The message for an exception a user caused, or None for a bug (which keeps its stack trace). Every user error of
/// this repository is a DeepCoroUserException, whose Fix the caller words (the command line with its flags); the rest
/// are .NET's own I/O failures. An ArgumentException is a bug: a user error is thrown as a DeepCoroUserException.
let messageOf (e: exn) =
    match e with
    | :? DeepCoroUserException as u -> Some u.Message
    | :? IO.FileNotFoundException as f -> Some(sprintf "%s: file not found" f.FileName)
    | :? IO.InvalidDataException as d -> Some d.Message
    | :? IO.DirectoryNotFoundException as d -> Some(oneLine d.Message)
    | :? UnauthorizedAccessException as u -> Some(oneLine u.Message)
    | :? IO.IOException as i -> Some(oneLine i.Message)
    | _ -> None
