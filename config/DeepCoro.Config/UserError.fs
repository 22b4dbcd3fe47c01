/// Errors for people: one line naming the file, key or field. The command line prints them and exits non-zero.
module DeepCoro.Config.UserError

open System
open DeepCoro.Spec
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model

/// A user-facing failure, printed as `error: <message>`.
exception UserFailure of message: string

let fail message = raise (UserFailure message)

/// Fails unless `path` is a file: "path: <what> not found" (what: "config file"), or a directory.
let requireFile (what: string) (path: string) =
    match InputFile.Problem(path, what) with
    | null -> ()
    | problem -> fail problem

/// The message of an I/O failure that no writer or reader named itself: .NET's own, on one line.
let private oneLine (message: string) = message.ReplaceLineEndings(" ").Trim()

/// The message for an exception a user caused, or None for a bug (which keeps its stack trace).
let messageOf (e: exn) =
    match e with
    | UserFailure m -> Some m
    | :? SpecException as s -> Some s.Message
    | :? DeepCoro.Config.ConfigError.ConfigError as c -> Some c.Message
    | :? SafetensorsException as s -> Some s.Message
    | :? Torch.TorchFileException as t -> Some t.Message
    | :? DeepCoro.Runtime.Data.DataException as d -> Some d.Message
    | :? DeepCoro.Runtime.Evaluation.PredictionFileException as p -> Some p.Message
    | :? DeepCoro.Runtime.Telemetry.NonFiniteTrainingException as n -> Some n.Message
    | :? StateDictException as s -> Some s.Message
    | :? DeepCoro.Runtime.Video.VideoException as v -> Some v.Message
    | :? DeepCoro.Runtime.Encoders.EncoderException as e -> Some e.Message
    | :? InputShapeException as s -> Some s.Message
    | :? OutputException as o -> Some o.Message
    | :? DirectoryInUseException as d -> Some d.Message
    | :? DeepCoro.Runtime.Sweeps.SweepFileException as s -> Some s.Message
    | :? DeepCoro.Runtime.CrossValidation.CrossValidationException as c -> Some c.Message
    | :? ArgumentException as a -> Some a.Message
    | :? IO.FileNotFoundException as f -> Some(sprintf "%s: file not found" f.FileName)
    | :? IO.InvalidDataException as d -> Some d.Message
    | :? IO.DirectoryNotFoundException as d -> Some(oneLine d.Message)
    | :? UnauthorizedAccessException as u -> Some(oneLine u.Message)
    | :? IO.IOException as i -> Some(oneLine i.Message)
    | _ -> None
