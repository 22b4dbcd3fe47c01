/// One base type for the errors a user can fix, its remedy worded by the command line, and no other type counted as
/// the user's.
module DeepCoro.Tests.UserErrorTests

open System
open Expecto
open DeepCoro.Spec
open DeepCoro.Config
open DeepCoro.Cli

[<Tests>]
let tests =
    testList "user errors" [
        test "every exception type of the runtime, the spec and the config readers is a DeepCoroUserException" {
            // one type from each runtime layer, then the spec and the config readers
            let assemblies = [
                typeof<DeepCoro.Runtime.Data.DataException>.Assembly
                typeof<DeepCoro.Runtime.IO.SafetensorsException>.Assembly
                typeof<DeepCoro.Runtime.Video.VideoException>.Assembly
                typeof<DeepCoro.Runtime.CrossValidation.CrossValidationException>.Assembly
                typeof<DeepCoro.Runtime.Sweeps.SweepFileException>.Assembly
                typeof<DeepCoro.Runtime.Report.SubgroupReport>.Assembly
                typeof<DeepCoro.Runtime.Benchmarks.TelemetryBenchmark>.Assembly
                typeof<SpecException>.Assembly
                typeof<ConfigError.ConfigError>.Assembly
            ]
            let exceptions = [
                for a in assemblies do
                    for t in a.GetExportedTypes() do
                        if typeof<exn>.IsAssignableFrom t && t <> typeof<DeepCoroUserException> then
                            yield t
            ]
            // the spec's JSON reader reports through SpecException; its own parse error never reaches a user
            let internalOnly = [ typeof<DeepCoro.Spec.Json.JsonParseException> ]
            Expect.isGreaterThanOrEqual exceptions.Length 12 "the runtime's own exception types are found"
            for t in exceptions do
                if not (List.contains t internalOnly) then
                    Expect.isTrue (typeof<DeepCoroUserException>.IsAssignableFrom t) (sprintf "%s derives from the base" t.FullName)
        }
        test "a user error is the user's, an ArgumentException is a bug" {
            let data = DeepCoro.Runtime.Data.DataException "manifest.csv: row 3: no FileName"
            Expect.equal (UserError.messageOf data) (Some "manifest.csv: row 3: no FileName") "the message as it is"
            Expect.equal (UserError.messageOf (ArgumentException "index")) None "a bug keeps its stack trace"
            Expect.equal (UserError.messageOf (UserError.UserFailure "x.yaml: not found")) (Some "x.yaml: not found") "config's own"
        }
        test "the command line words every remedy with its flags, after the runtime's message" {
            for fix in Enum.GetValues<Remedy>() do
                if fix <> Remedy.None then
                    Expect.isSome (CliError.remedy fix) (sprintf "%A is worded" fix)
            let e =
                DeepCoroUserException(
                    "run/checkpoint.safetensors: the run directory already holds a checkpoint",
                    Remedy.ResumeOrOtherOutput
                )
            Expect.equal
                (CliError.userMessage e)
                (Some
                    "run/checkpoint.safetensors: the run directory already holds a checkpoint; pass --resume to continue it, or choose another --output")
                "message; remedy"
            Expect.equal (CliError.userMessage (DeepCoroUserException "plain")) (Some "plain") "no remedy, no suffix"
        }
        test "a device the build cannot use is a user error whose message names no flag" {
            let e = Expect.throwsC (fun () -> DeepCoro.Runtime.DeviceChoice.Parse "tpu" |> ignore) id
            Expect.isFalse (e.Message.Contains "--") "the runtime names no flag"
            Expect.isTrue (e :? DeepCoroUserException) "a user error"
        }
    ]
