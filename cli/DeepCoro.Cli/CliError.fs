/// The command line's exit codes (documented in the README); the errors themselves are DeepCoro.Config.UserError's.
module DeepCoro.Cli.CliError

module ExitCode =
    let ok = 0
    let failure = 1
    let usage = 2
