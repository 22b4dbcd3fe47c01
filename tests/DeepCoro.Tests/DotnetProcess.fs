/// `dotnet` (or another program) as a child process, for the tests that build, pack and run real projects.
module DeepCoro.Tests.DotnetProcess

open System
open System.Diagnostics
open System.Text.RegularExpressions

/// What a finished child said: its exit code and its standard output and error, interleaved, colours removed.
type Outcome = { Code: int; Output: string; Seconds: float }

/// Runs `program args` in `dir` with `env` added to this process's environment; killed (with its children) after
/// `timeoutMinutes`. No build server outlives it: MSBuild node reuse and the shared compiler are off.
let run (program: string) (args: string list) (dir: string) (env: (string * string) list) (timeoutMinutes: float) =
    let info =
        ProcessStartInfo(
            program,
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        )
    for a in args do
        info.ArgumentList.Add a
    for k, v in
        [
            "DOTNET_CLI_TELEMETRY_OPTOUT", "1"
            "DOTNET_NOLOGO", "1"
            "DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "1"
            "MSBUILDDISABLENODEREUSE", "1"
            "UseSharedCompilation", "false"
        ]
        @ env do
        info.Environment[k] <- v
    let output = Text.StringBuilder()
    let clock = Stopwatch.StartNew()
    use p = new Process(StartInfo = info)
    let append (e: DataReceivedEventArgs) =
        if not (isNull e.Data) then
            lock output (fun () -> output.AppendLine e.Data |> ignore)
    p.OutputDataReceived.Add append
    p.ErrorDataReceived.Add append
    p.Start() |> ignore
    p.BeginOutputReadLine()
    p.BeginErrorReadLine()
    if not (p.WaitForExit(TimeSpan.FromMinutes timeoutMinutes)) then
        p.Kill(entireProcessTree = true)
        p.WaitForExit()
        failwithf "%s %s: no exit after %g minutes\n%O" program (String.concat " " args) timeoutMinutes output
    p.WaitForExit()
    {
        Code = p.ExitCode
        Output = Regex.Replace(lock output (fun () -> output.ToString()), @"\x1b\[[0-9;?]*[A-Za-z]", "")
        Seconds = clock.Elapsed.TotalSeconds
    }
