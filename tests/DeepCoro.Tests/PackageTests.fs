/// The consumer's path, on the packages alone: everything is packed into a temporary feed, and a solution made by
/// `dotnet new deepcoro` in a folder outside this repository (none of its Directory.Build.props or
/// Directory.Packages.props applies) restores from that feed and the usual sources, builds, runs, tests, and fails
/// at broken specs; the `deepcoro` tool installs from the feed and runs. DeepCoro packages land in the fixture's own
/// package folder (other packages come from the machine's as a fallback), so a repacked version is never stale.
module DeepCoro.Tests.PackageTests

open System
open System.IO
open System.IO.Compression
open Expecto
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.DotnetProcess

/// The consumer's folder: feed/, packages/, hive/ (templates), tools/, Cardio/ (the solution), NoSpec/, Mismatch/.
let private home =
    lazy
        let dir = Path.Combine(Path.GetTempPath(), "deepcoro-packages", Guid.NewGuid().ToString("N"))
        if Path.GetFullPath(dir).StartsWith(repoRoot + string Path.DirectorySeparatorChar) then
            failwithf "the temporary folder %s lies inside the repository" dir
        Directory.CreateDirectory dir |> ignore
        AppDomain.CurrentDomain.ProcessExit.Add(fun _ ->
            try
                Directory.Delete(dir, true)
            with _ ->
                ())
        dir

let private machinePackages =
    match Environment.GetEnvironmentVariable "NUGET_PACKAGES" with
    | null
    | "" -> Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".nuget", "packages")
    | folder -> folder

let private at (relative: string) = Path.Combine(home.Force(), relative)

/// `dotnet args` in `dir` of the consumer, with its own package folder; logged with its duration.
let private dotnetIn (dir: string) (args: string list) =
    let outcome = run "dotnet" args (at dir) [ "NUGET_PACKAGES", at "packages"; "NUGET_FALLBACK_PACKAGES", machinePackages ] 10.0
    printfn "package test: dotnet %s (in %s): exit %d, %.1f s" (String.concat " " args) dir outcome.Code outcome.Seconds
    outcome

let private succeeds (what: string) (outcome: Outcome) =
    Expect.equal outcome.Code 0 (sprintf "%s:\n%s" what outcome.Output)
    outcome

let private fails (what: string) (outcome: Outcome) =
    Expect.notEqual outcome.Code 0 (sprintf "%s fails:\n%s" what outcome.Output)
    outcome

/// A version above every real one, for the mismatch case.
let private otherVersion = "99.0.0"

/// The stand-in libtorch-cuda package's version (the real one is not served everywhere, and is 2 GB).
let private fakeCudaVersion = "0.0.1-standin"

/// Packs the solution's packages (Release, as built by the test target) and a second DeepCoro.Spec of another
/// version; writes the consumer's NuGet.config, the template solution with a JSON spec beside its model, and the two
/// stand-alone projects; restores them all at once. Returns the packages' version.
let private packed =
    lazy
        Directory.CreateDirectory(at "feed") |> ignore
        run "dotnet" [ "pack"; Path.Combine(repoRoot, "DeepCoroDsl.sln"); "-c"; "Release"; "--no-build"; "-o"; at "feed" ] repoRoot [] 10.0
        |> fun o ->
            printfn "package test: dotnet pack DeepCoroDsl.sln: exit %d, %.1f s" o.Code o.Seconds
            o
        |> succeeds "dotnet pack --no-build (run after a Release build of the solution)"
        |> ignore
        let spec = Path.Combine(repoRoot, "spec", "DeepCoro.Spec", "DeepCoro.Spec.csproj")
        run "dotnet" [ "pack"; spec; "-c"; "Release"; "--no-build"; "-o"; at "feed"; "-p:Version=" + otherVersion ] repoRoot [] 5.0
        |> succeeds "dotnet pack DeepCoro.Spec at another version"
        |> ignore
        let version =
            Directory.GetFiles(at "feed", "DeepCoro.Model.*.nupkg")
            |> Array.map (fun f -> Path.GetFileName(f).["DeepCoro.Model.".Length ..].Replace(".snupkg", "").Replace(".nupkg", ""))
            |> Array.exactlyOne
        File.WriteAllText(
            at "NuGet.config",
            """<configuration><packageSources><add key="deepcoro-feed" value="feed" /></packageSources></configuration>"""
        )
        dotnetIn "." [ "new"; "install"; at (sprintf "feed/DeepCoro.Templates.%s.nupkg" version); "--debug:custom-hive"; at "hive" ]
        |> succeeds "dotnet new install DeepCoro.Templates"
        |> ignore
        dotnetIn "." [ "new"; "deepcoro"; "-n"; "Cardio"; "--debug:custom-hive"; at "hive" ] |> succeeds "dotnet new deepcoro" |> ignore
        dotnetIn "Cardio/Cardio" [ "new"; "deepcoro-spec"; "-n"; "Probe"; "--debug:custom-hive"; at "hive" ]
        |> succeeds "dotnet new deepcoro-spec"
        |> ignore
        // Libraries: they copy no libtorch into their output, and nothing here needs to run them.
        let standalone name (properties: string) (references: (string * string) list) =
            Directory.CreateDirectory(at name) |> ignore
            let packageReferences =
                references |> List.map (fun (id, v) -> sprintf """    <PackageReference Include="%s" Version="%s" />""" id v)
            File.WriteAllLines(
                at (Path.Combine(name, name + ".csproj")),
                [
                    """<Project Sdk="Microsoft.NET.Sdk">"""
                    sprintf "  <PropertyGroup><TargetFramework>net10.0</TargetFramework>%s</PropertyGroup>" properties
                    "  <ItemGroup>"
                ]
                @ packageReferences
                @ [ "  </ItemGroup>"; "</Project>" ]
            )
            File.WriteAllText(
                at (Path.Combine(name, "Uses.cs")),
                "public static class Uses { public static object Kernel = DeepCoro.Runtime.Blocks.ClsKernel.Fused; }\n"
            )
        let emitGenerated = "<EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>"
        standalone "NoSpec" emitGenerated [ "DeepCoro.Spec", version; "DeepCoro.Model", version ]
        standalone "Mismatch" emitGenerated [ "DeepCoro.Spec", otherVersion; "DeepCoro.Model", version ]
        // An exe (it copies natives) on the CUDA backend, with a stand-in CUDA natives package (one fake library).
        let fakeCuda = at (sprintf "feed/libtorch-cuda-12.8-linux-x64.%s.nupkg" fakeCudaVersion)
        do
            use zip = ZipFile.Open(fakeCuda, ZipArchiveMode.Create)
            let entry (name: string) (text: string) =
                use w = new StreamWriter(zip.CreateEntry(name).Open())
                w.Write text
            entry
                "libtorch-cuda-12.8-linux-x64.nuspec"
                (sprintf
                    """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd"><metadata>
  <id>libtorch-cuda-12.8-linux-x64</id><version>%s</version><authors>test</authors><description>stand-in</description>
</metadata></package>"""
                    fakeCudaVersion)
            entry "runtimes/linux-x64/native/libtorch_cuda.so" "a stand-in"
        standalone "Cuda" "<OutputType>Exe</OutputType><DeepCoroTorchBackend>cuda</DeepCoroTorchBackend>" [
            "DeepCoro.Model", version
            "libtorch-cuda-12.8-linux-x64", fakeCudaVersion
        ]
        File.WriteAllText(at "Cuda/Program.cs", "System.Console.WriteLine(Uses.Kernel);\n")
        File.WriteAllText(
            at "all.slnx",
            """<Solution>
  <Project Path="Cardio/Cardio.Specs/Cardio.Specs.fsproj" />
  <Project Path="Cardio/Cardio/Cardio.csproj" />
  <Project Path="Cardio/Cardio.Tests/Cardio.Tests.fsproj" />
  <Project Path="NoSpec/NoSpec.csproj" />
  <Project Path="Mismatch/Mismatch.csproj" />
  <Project Path="Cuda/Cuda.csproj" />
</Solution>"""
        )
        File.WriteAllText(
            at "standalone.slnx",
            """<Solution>
  <Project Path="NoSpec/NoSpec.csproj" />
  <Project Path="Mismatch/Mismatch.csproj" />
  <Project Path="Cuda/Cuda.csproj" />
</Solution>"""
        )
        dotnetIn "." [ "restore"; "all.slnx" ] |> succeeds "one restore of every consumer project" |> ignore
        version

let private build (project: string) =
    packed.Force() |> ignore
    dotnetIn "." [ "build"; project; "-c"; "Release"; "--no-restore"; "-p:EmitCompilerGeneratedFiles=true" ]

let private solutionBuilt = lazy (build "Cardio/Cardio.slnx" |> succeeds "dotnet build of the new solution")

/// NoSpec, Mismatch and Cuda, built together (one MSBuild run); all build.
let private standaloneBuilt = lazy (build "standalone.slnx" |> succeeds "dotnet build of NoSpec, Mismatch and Cuda")

/// The distinct diagnostic lines MSBuild tagged with a project of the consumer.
let private linesOf (project: string) (outcome: Outcome) =
    outcome.Output.Split('\n')
    |> Array.map (fun l -> l.Trim())
    |> Array.filter (fun l -> l.EndsWith(sprintf "/%s/%s.csproj]" project project))
    |> Array.distinct
    |> List.ofArray

/// Replaces `before` by `after` in a consumer file for the duration of `check`.
let private edited (file: string) (before: string) (after: string) (check: unit -> unit) =
    let path = at file
    let text = File.ReadAllText path
    Expect.stringContains text before (sprintf "%s holds %s" file before)
    File.WriteAllText(path, text.Replace(before, after))
    try
        check ()
    finally
        File.WriteAllText(path, text)

let private lineOf (file: string) (fragment: string) = 1 + (File.ReadAllLines(at file) |> Array.findIndex (fun l -> l.Contains fragment))

let private generated (project: string) =
    let dir = at (Path.Combine(project, "obj"))
    Directory.GetFiles(dir, "*.g.cs", SearchOption.AllDirectories)
    |> Array.filter (fun f -> f.Contains "DeepCoro.Generator")
    |> Array.map Path.GetFileName

[<Tests>]
let tests =
    testList "packages" [
        test "a solution from `dotnet new deepcoro` builds on the packages; its app runs the generated model" {
            solutionBuilt.Force() |> ignore
            Expect.containsAll
                (generated "Cardio/Cardio")
                [ "SeedClsToken.g.cs"; "Probe.g.cs" ]
                "the F# model and the JSON spec item are generated"
            let app = dotnetIn "." [ "run"; "--project"; "Cardio/Cardio"; "-c"; "Release"; "--no-build" ] |> succeeds "the app runs"
            Expect.stringContains app.Output "x [2, 4, 16, 512] -> cathEF [2, 1], stenosis [2, 3], contrast [2, 2]" "each head's shape"
        }
        test "the new solution's app gets TorchSharp and DeepCoro.Model, not ScottPlot, OpenCV, ONNX Runtime or YamlDotNet" {
            packed.Force() |> ignore
            let assets = File.ReadAllText(at "Cardio/Cardio/obj/project.assets.json")
            for needed in [ "\"TorchSharp/"; "\"DeepCoro.Model/" ] do
                Expect.stringContains assets needed "restored for the app"
            for layer in [ "ScottPlot"; "OpenCvSharp"; "Microsoft.ML.OnnxRuntime"; "YamlDotNet"; "DeepCoro.Training" ] do
                Expect.isFalse (assets.Contains layer) (sprintf "%s is not restored for the app" layer)
        }
        test "the new solution's test project passes its shape property" {
            solutionBuilt.Force() |> ignore
            let tests =
                dotnetIn "." [ "run"; "--project"; "Cardio/Cardio.Tests"; "-c"; "Release"; "--no-build"; "--"; "--no-spinner" ]
                |> succeeds "its tests pass"
            Expect.stringContains tests.Output "1 passed" "one property, passed"
        }
        test "a JSON spec with a syntax error fails the build with DC0001 at its line" {
            solutionBuilt.Force() |> ignore
            let probe = "Cardio/Cardio/Probe.deepcoro.json"
            edited probe "\"pooling\": [" "\"pooling\": [," (fun () ->
                let outcome = build "Cardio/Cardio/Cardio.csproj" |> fails "the build"
                Expect.stringContains
                    outcome.Output
                    (sprintf "Probe.deepcoro.json(%d," (lineOf probe "\"pooling\""))
                    "at the line of the stray comma"
                Expect.stringContains outcome.Output "error DC0001" "DC0001")
        }
        test "6 attention heads over 512 in the F# spec fail the build once, with DC0003 at the element's line and column" {
            solutionBuilt.Force() |> ignore
            let specs = "Cardio/Cardio.Specs/Specs.fs"
            edited specs "clsToken over tokens |> attentionHeads 8" "clsToken over tokens |> attentionHeads 6" (fun () ->
                let outcome = build "Cardio/Cardio/Cardio.csproj" |> fails "the build"
                let line = lineOf specs "attentionHeads 6"
                let column = 1 + (File.ReadAllLines(at specs).[line - 1]).IndexOf "attentionHeads 6"
                Expect.stringContains
                    outcome.Output
                    (sprintf "Specs.fs(%d,%d): error DC0003: model 'SeedClsToken', pooling[0].attentionHeads" line column)
                    "DC0003 at the attentionHeads element"
                Expect.isFalse (outcome.Output.Contains "MSB3073") "no MSBuild error about the spec project's exit code")
        }
        test "a project with the packages and no spec builds with no generated type and no warning" {
            let outcome = standaloneBuilt.Force()
            Expect.isEmpty (generated "NoSpec") "no generated type"
            Expect.isEmpty (linesOf "NoSpec" outcome |> List.filter (fun l -> l.Contains ": warning ")) "no warning"
        }
        test "DeepCoro.Spec and DeepCoro.Model of different versions: one warning naming both" {
            let version = packed.Force()
            let warnings = linesOf "Mismatch" (standaloneBuilt.Force()) |> List.filter (fun l -> l.Contains ": warning ")
            Expect.hasLength warnings 1 (sprintf "one warning:\n%s" (String.concat "\n" warnings))
            Expect.stringContains warnings.Head "warning DC2001" "DC2001"
            Expect.stringContains warnings.Head (sprintf "DeepCoro.Spec %s" otherVersion) "the generator's version"
            Expect.stringContains warnings.Head (sprintf "DeepCoro.Model %s" version) "the runtime's version"
        }
        test "DeepCoroTorchBackend=cuda: the output has the CUDA package's natives, not the CPU libtorch" {
            standaloneBuilt.Force() |> ignore
            let output = at "Cuda/bin/Release/net10.0"
            let natives = Path.Combine(output, "runtimes", "linux-x64", "native")
            Expect.isTrue (File.Exists(Path.Combine(natives, "libtorch_cuda.so"))) "the CUDA package's library is copied"
            Expect.isFalse (File.Exists(Path.Combine(natives, "libtorch_cpu.so"))) "the CPU libtorch is not"
            Expect.isFalse (File.ReadAllText(Path.Combine(output, "Cuda.deps.json")).Contains "libtorch_cpu") "nor listed in deps.json"
            Expect.isTrue (File.Exists(Path.Combine(natives, "libLibTorchSharp.so"))) "TorchSharp's own library stays"
        }
        test "the deepcoro tool installs from the feed; `spec` and a 1-epoch `demo` run" {
            let version = packed.Force()
            dotnetIn "." [ "tool"; "install"; "deepcoro"; "--tool-path"; at "tools"; "--version"; version ]
            |> succeeds "dotnet tool install"
            |> ignore
            let deepcoro args = run (at "tools/deepcoro") args (home.Force()) [] 10.0
            let spec = deepcoro [ "spec"; at "Cardio/Cardio/Probe.deepcoro.json" ] |> succeeds "deepcoro spec"
            Expect.stringContains spec.Output "Probe (IR v1): input [B, videos, tokens, 512]" "the spec's table"
            let demo = deepcoro [ "demo"; "--output"; at "demo"; "--epochs"; "1"; "--studies"; "80" ] |> succeeds "deepcoro demo"
            printfn "package test: deepcoro demo, 1 epoch: %.1f s" demo.Seconds
            Expect.stringContains demo.Output "best epoch 1" "one epoch trained"
            Expect.isTrue (File.Exists(at "demo/run/best.safetensors")) "the best model written"
        }
    ]
