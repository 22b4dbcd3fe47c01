/// Conventions that tooling enforces, checked to be in force: a C# project of this repository that makes an implicit
/// TorchSharp Scalar (a temporary that TorchSharp 0.107 can finalize during the native call it was made for) does not
/// build (BannedApiAnalyzers with build/BannedSymbols.txt, wired for every C# project by Directory.Build.props).
module DeepCoro.Tests.ConventionTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.DotnetProcess

/// One implicit conversion to Scalar per line, from each source type that C# code writes.
let private conversions = [ "double", "2.0"; "float", "2.0f"; "int", "2"; "long", "2L"; "bool", "true" ]

[<Tests>]
let tests =
    testList "conventions" [
        test "an implicit Scalar in a C# project of the repository is error RS0030, once per conversion" {
            // Inside the repository (an ignored obj/ folder), so its Directory.Build.props and .editorconfig apply.
            let dir = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "obj", "conventions", Guid.NewGuid().ToString("N"))
            Directory.CreateDirectory dir |> ignore
            try
                File.WriteAllText(
                    Path.Combine(dir, "Scalars.csproj"),
                    """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="TorchSharp" /></ItemGroup>
</Project>"""
                )
                let lines = conversions |> List.map (fun (_, literal) -> sprintf "        x = x.mul(%s);" literal)
                File.WriteAllLines(
                    Path.Combine(dir, "Scalars.cs"),
                    [
                        "public static class Scalars"
                        "{"
                        "    public static TorchSharp.torch.Tensor Make(TorchSharp.torch.Tensor x)"
                        "    {"
                    ]
                    @ lines
                    @ [ "        return x;"; "    }"; "}" ]
                )
                let outcome = run "dotnet" [ "build"; Path.Combine(dir, "Scalars.csproj"); "-c"; "Debug" ] dir [] 5.0
                Expect.notEqual outcome.Code 0 (sprintf "the build fails:\n%s" outcome.Output)
                let reported =
                    Regex.Matches(
                        outcome.Output,
                        @"Scalars\.cs\((\d+),\d+\): error RS0030: The symbol 'Scalar\.implicit operator Scalar\((\w+)\)'"
                    )
                    |> Seq.map (fun m -> int m.Groups[1].Value, m.Groups[2].Value)
                    |> Seq.distinct
                    |> List.ofSeq
                let expected = conversions |> List.mapi (fun i (source, _) -> 5 + i, source)
                Expect.equal reported expected (sprintf "RS0030 at each conversion, in a Debug build too:\n%s" outcome.Output)
            finally
                Directory.Delete(dir, true)
        }
    ]
