module DeepCoro.Tests.Main

open Expecto
open Expecto.Impl

/// Wraps Expecto's printer so that the run ends with the plain `N passed, M failed` line CI reads.
let private withClosingLine (printer: TestPrinters) = {
    printer with
        summary =
            fun config summary ->
                async {
                    do! printer.summary config summary
                    let failed = summary.failed.Length + summary.errored.Length
                    let skipped = if summary.ignored.IsEmpty then "" else sprintf ", %d skipped" summary.ignored.Length
                    printfn "%d passed, %d failed%s" summary.passed.Length failed skipped
                }
}

[<EntryPoint>]
let main argv =
    // Sequenced: torch's global generator and its intra-op threads are shared, so parallel tests would
    // interleave random draws and make seeded tests flaky.
    runTestsInAssemblyWithCLIArgs [ CLIArguments.Sequenced; CLIArguments.Printer(withClosingLine TestPrinters.defaultPrinter) ] argv
