/// The README cannot drift: every shell block marked `<!-- runnable -->` (the line right before its fence) runs as
/// written, in README order, from the clone's root, on the built product. It runs under CI=true only (it packs,
/// builds a new solution and trains the demo: minutes). HOME (so `~`, the template hive and global tools), the
/// temporary folder and NuGet's package folder are a temporary directory's, the machine's packages a fallback, so
/// nothing outside it is touched; the clone gets only its ignored outputs (out/, deepcoro-demo/, runs/).
module DeepCoro.Tests.ReadmeTests

open System
open System.IO
open Expecto
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.DotnetProcess

/// The marker, alone on the line before a ```bash fence.
let marker = "<!-- runnable -->"

/// Each marked block of a markdown text: the 1-based line of its fence and its body. A marker not followed by a
/// bash fence, or a fence never closed, is an error naming its line.
let runnableBlocks (markdown: string) =
    let lines = markdown.Replace("\r\n", "\n").Split('\n')
    [
        for i in 0 .. lines.Length - 1 do
            if lines[i].Trim() = marker then
                if i + 1 >= lines.Length || lines[i + 1].Trim() <> "```bash" then
                    failwithf "README.md:%d: %s must stand right before a ```bash fence" (i + 1) marker
                let body = lines[i + 2 ..] |> Array.takeWhile (fun l -> l.Trim() <> "```")
                if i + 2 + body.Length >= lines.Length then
                    failwithf "README.md:%d: the runnable block is never closed" (i + 2)
                yield i + 2, String.concat "\n" body
    ]

let private readme () = File.ReadAllText(Path.Combine(repoRoot, "README.md"))

/// Minutes one block may take (packing everything on a busy 2-core machine is the slowest).
let private blockMinutes = 15.0

let private runAll () =
    let home = Path.Combine(Path.GetTempPath(), "deepcoro-readme", Guid.NewGuid().ToString("N"))
    let machinePackages =
        match Environment.GetEnvironmentVariable "NUGET_PACKAGES" with
        | null
        | "" -> Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".nuget", "packages")
        | folder -> folder
    Directory.CreateDirectory(Path.Combine(home, "tmp")) |> ignore
    let env = [
        "HOME", home
        "DOTNET_CLI_HOME", home
        "TMPDIR", Path.Combine(home, "tmp")
        "NUGET_PACKAGES", Path.Combine(home, "packages")
        "NUGET_FALLBACK_PACKAGES", machinePackages
    ]
    // Removed when the test process ends, not before: the blocks restore the clone's projects into this package
    // folder, so later tests that pack or run without a restore still find what their assets files name.
    AppDomain.CurrentDomain.ProcessExit.Add(fun _ ->
        try
            Directory.Delete(home, true)
        with _ ->
            ())
    for line, body in runnableBlocks (readme ()) do
        let outcome = run "bash" [ "-e"; "-o"; "pipefail"; "-c"; body ] repoRoot env blockMinutes
        printfn "README block at line %d: exit %d, %.1f s" line outcome.Code outcome.Seconds
        Expect.equal outcome.Code 0 (sprintf "README.md:%d, the block\n%s\nfails:\n%s" line body outcome.Output)

[<Tests>]
let tests =
    testList "readme" [
        test "the runnable blocks are bash fences right after their marker, each closed" {
            let blocks = runnableBlocks (readme ())
            Expect.isNonEmpty blocks "some blocks are marked"
            for line, body in blocks do
                Expect.isNotEmpty (body.Trim()) (sprintf "README.md:%d: an empty block" line)
        }
        if Environment.GetEnvironmentVariable "CI" = "true" then
            test "every runnable README block runs as written, in order, from the clone (CI only)" { runAll () }
    ]
