/// An ordinary `dotnet build` of a consuming C# project: a spec that cannot work fails the build with its DC
/// code at the spec's file and line; once fixed, the project builds and uses the generated type.
module DeepCoro.Tests.BuildIntegrationTests

open System.Diagnostics
open System.IO
open Expecto
open DeepCoro.Tests.TestSupport

let private spec heads =
    sprintf
        """{
  "irVersion": 1, "name": "Probe", "embeddingDim": 512, "axes": ["videos", "tokens"],
  "pooling": [
    { "pool": "clsToken", "over": "tokens", "attentionHeads": %d },
    { "pool": "clsToken", "over": "videos" }
  ],
  "heads": [ { "name": "cathEF", "task": "regression", "outputs": 1 } ]
}"""
        heads

let private dotnetBuild (project: string) =
    let info =
        ProcessStartInfo(
            "dotnet",
            sprintf "build \"%s\" -c Release -nodeReuse:false -p:UseSharedCompilation=false" project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        )
    use p = Process.Start info
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out.Result + err

[<Tests>]
let tests =
    testList "build integration" [
        test "a bad spec fails dotnet build at its line; the fixed spec builds and its type is usable" {
            // Inside the repository (an ignored obj/ folder), so Directory.Build.targets wires the generator in.
            let dir = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "obj", "buildcheck", System.Guid.NewGuid().ToString("N"))
            Directory.CreateDirectory dir |> ignore
            let runtime = Path.GetRelativePath(dir, Path.Combine(repoRoot, "runtime", "DeepCoro.Model", "DeepCoro.Model.csproj"))
            File.WriteAllText(
                Path.Combine(dir, "Consumer.csproj"),
                sprintf
                    """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><UseDeepCoroGenerator>true</UseDeepCoroGenerator><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup><ProjectReference Include="%s" /></ItemGroup>
</Project>"""
                    runtime
            )
            File.WriteAllText(
                Path.Combine(dir, "Uses.cs"),
                "public static class Uses { public const int Width = DeepCoro.Generated.Probe.EmbeddingDim; }\n"
            )
            let specPath = Path.Combine(dir, "probe.deepcoro.json")
            try
                File.WriteAllText(specPath, spec 6)
                let code, output = dotnetBuild (Path.Combine(dir, "Consumer.csproj"))
                Expect.notEqual code 0 "the build fails"
                Expect.stringContains output "probe.deepcoro.json(4,63): error DC0003" "DC0003 at the spec's line and column"
                Expect.stringContains output "6 attention heads do not divide the width 512" "the message"
                File.WriteAllText(specPath, spec 8)
                let code, output = dotnetBuild (Path.Combine(dir, "Consumer.csproj"))
                Expect.equal code 0 (sprintf "the fixed spec builds:\n%s" output)
            finally
                Directory.Delete(dir, true)
        }
        test "a bad spec written in the F# DSL fails dotnet build once, at the line and column of the wrong element" {
            let dir = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "obj", "buildcheck", System.Guid.NewGuid().ToString("N"))
            let specs = Path.Combine(dir, "Specs")
            Directory.CreateDirectory specs |> ignore
            let rel (path: string) = Path.GetRelativePath(specs, Path.Combine(repoRoot, path))
            let specProject =
                [
                    """<Project Sdk="Microsoft.NET.Sdk">"""
                    """  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>"""
                    """  <ItemGroup><Compile Include="Models.fs" /><Compile Include="Program.fs" /></ItemGroup>"""
                    sprintf
                        """  <ItemGroup><PackageReference Include="FSharp.Core" /><ProjectReference Include="%s" /></ItemGroup>"""
                        (rel "dsl/DeepCoro.Dsl/DeepCoro.Dsl.fsproj")
                    "</Project>"
                ]
                |> String.concat "\n"
            File.WriteAllText(Path.Combine(specs, "Specs.fsproj"), specProject)
            let models =
                [
                    "module Models"
                    "open type DeepCoro.Dsl.Dsl"
                    ""
                    "let probe ="
                    "    hierarchy [ clsToken over tokens |> attentionHeads 6; clsToken over videos ]"
                    "    |> heads [ regression \"cathEF\" ]"
                    "    |> model \"Probe\" 512"
                ]
                |> String.concat "\n"
            File.WriteAllText(Path.Combine(specs, "Models.fs"), models)
            File.WriteAllText(
                Path.Combine(specs, "Program.fs"),
                "module Program\n[<EntryPoint>]\nlet main argv = DeepCoro.Dsl.Dsl.writeSpecs argv.[0] [ Models.probe ]\n"
            )
            let consumer = Path.Combine(dir, "Consumer")
            Directory.CreateDirectory consumer |> ignore
            let runtime = Path.GetRelativePath(consumer, Path.Combine(repoRoot, "runtime", "DeepCoro.Model", "DeepCoro.Model.csproj"))
            let consumerProject =
                [
                    """<Project Sdk="Microsoft.NET.Sdk">"""
                    """  <PropertyGroup><TargetFramework>net10.0</TargetFramework><UseDeepCoroGenerator>true</UseDeepCoroGenerator></PropertyGroup>"""
                    sprintf
                        """  <ItemGroup><DeepCoroSpecProject Include="../Specs/Specs.fsproj" /><ProjectReference Include="%s" /></ItemGroup>"""
                        runtime
                    "</Project>"
                ]
                |> String.concat "\n"
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), consumerProject)
            try
                let code, output = dotnetBuild (Path.Combine(consumer, "Consumer.csproj"))
                Expect.notEqual code 0 "the build fails"
                // Line 5, column 41: the `attentionHeads 6` call, not the `|> model` line below it.
                Expect.stringContains
                    output
                    "Models.fs(5,41): error DC0003: model 'Probe', pooling[0].attentionHeads"
                    "DC0003 at the attentionHeads element"
                Expect.isFalse (output.Contains "MSB3073") "no MSBuild error about the spec project's exit code"
                Expect.stringContains output "1 Error(s)" "one error"
            finally
                Directory.Delete(dir, true)
        }
    ]
