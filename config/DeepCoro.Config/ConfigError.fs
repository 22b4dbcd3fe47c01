/// A config that cannot be read: every error, located in the file.
module DeepCoro.Config.ConfigError

open DeepCoro.Spec
open DeepCoro.Yaml

/// A config that cannot be read: every error, each as `file:line:column: message`.
type ConfigError(diagnostics: YamlDiagnostic list) =
    inherit DeepCoroUserException(diagnostics |> List.map string |> String.concat "\n")
    member _.Diagnostics = diagnostics
    member _.File = diagnostics.Head.File
    member _.Line = diagnostics.Head.Line
    member _.Column = diagnostics.Head.Column
