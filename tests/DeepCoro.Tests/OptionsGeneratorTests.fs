/// The [GenerateWith] generator (generator/DeepCoro.Options.Generator), run in memory on a small record: the With(...)
/// it emits (a snapshot), that the method compiles and copies, its caching, and DCW001 where it cannot add one; and
/// the built DeepCoro.Options: each of the nine option records has a With covering every init property.
module DeepCoro.Tests.OptionsGeneratorTests

open System
open System.IO
open System.Reflection
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open Expecto
open DeepCoro.Options.Generator
open DeepCoro.Tests.TestSupport

let private parseOptions = CSharpParseOptions(LanguageVersion.Latest)

let private references = compilationReferences

/// The source through the generator: the compilation with its output, and the generator's diagnostics.
let private generate (source: string) =
    let compilation =
        CSharpCompilation.Create(
            "WithSample",
            [ CSharpSyntaxTree.ParseText(source, parseOptions, path = "/src/Sample.cs") ],
            references.Force(),
            CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions = NullableContextOptions.Enable)
        )
    let driver = CSharpGeneratorDriver.Create([| GeneratorExtensions.AsSourceGenerator(WithGenerator()) |], parseOptions = parseOptions)
    let mutable updated = null
    let mutable diagnostics = Unchecked.defaultof<_>
    let run = driver.RunGeneratorsAndUpdateCompilation(compilation, &updated, &diagnostics).GetRunResult()
    updated, run, List.ofSeq diagnostics

/// A positional parameter, a required property, nullable ones, a keyword name; a computed property, a settable one
/// and a static one, which get no parameter. Probe.Run copies through With and prints what it got.
let private sample =
    """
using System.Collections.Generic;
using System.Globalization;
using DeepCoro.Runtime;

namespace Sample
{
    [GenerateWith]
    public sealed partial record Settings(int Size = 1)
    {
        public required string Name { get; init; }
        public double? Rate { get; init; } = 0.5;
        public IReadOnlyList<int>? Sizes { get; init; }
        public bool Event { get; init; }
        public int Twice => 2 * Size;
        public int Settable { get; set; }
        public static int Shared { get; set; }
    }

    public static class Probe
    {
        public static string Run()
        {
            var a = new Settings(3) { Name = "a", Rate = 0.25 };
            var b = a.With(name: "b", @event: true, sizes: new[] { 7 });
            var c = b.With(rate: null, size: 4);
            return string.Create(CultureInfo.InvariantCulture,
                $"{a.Name} {a.Event} | {b.Size} {b.Name} {b.Rate} {b.Event} {b.Sizes![0]} | {c.Size} {c.Name} {c.Rate}");
        }
    }
}
"""

[<Tests>]
let tests =
    testList "options generator" [
        test "[GenerateWith] on a partial record emits one nullable parameter per init property, in declaration order" {
            let _, run, diagnostics = generate sample
            Expect.isEmpty diagnostics "no diagnostic"
            let withSource = run.GeneratedTrees |> Seq.find (fun t -> t.FilePath.EndsWith "Sample.Settings.With.g.cs")
            verifySnapshot "WithSample" (withSource.GetText().ToString())
        }
        test "the generated With compiles; null keeps a value, a given one replaces it, the original is unchanged" {
            let compilation, _, _ = generate sample
            use image = new MemoryStream()
            let emitted = compilation.Emit image
            let errors = emitted.Diagnostics |> Seq.filter (fun d -> d.Severity = DiagnosticSeverity.Error) |> List.ofSeq
            Expect.isEmpty errors "the record and its With compile"
            let probe = Assembly.Load(image.ToArray()).GetType("Sample.Probe", true)
            Expect.equal
                (probe.GetMethod("Run").Invoke(null, [||]) :?> string)
                "a False | 3 b 0.25 True 7 | 4 b 0.25"
                "b: name, event and sizes replaced; c: size replaced, rate kept (null cannot clear it)"
        }
        test "an edit elsewhere in the compilation re-emits nothing: each marked type's model is cached by value" {
            let tree = CSharpSyntaxTree.ParseText(sample, parseOptions, path = "/src/Sample.cs")
            let compilation =
                CSharpCompilation.Create(
                    "WithCaching",
                    [ tree ],
                    references.Force(),
                    CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
                )
            let options = GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps = true)
            let driver =
                CSharpGeneratorDriver
                    .Create([| GeneratorExtensions.AsSourceGenerator(WithGenerator()) |], driverOptions = options)
                    .RunGenerators(compilation)
            let other = CSharpSyntaxTree.ParseText("namespace Other { public static class Marker { } }", parseOptions)
            let rerun = driver.RunGenerators(compilation.AddSyntaxTrees other).GetRunResult().Results[0]
            let reasons = [
                for step in rerun.TrackedSteps[WithGenerator.Step] do
                    for _, reason in step.Outputs -> reason
            ]
            Expect.isNonEmpty reasons "the step ran"
            Expect.all reasons (fun r -> r = IncrementalStepRunReason.Cached || r = IncrementalStepRunReason.Unchanged) "cached"
        }
        test "every option record a config fills has a generated With: one parameter per init property, camelCase" {
            let marked =
                typeof<DeepCoro.Runtime.Training.TrainOptions>.Assembly.GetTypes()
                |> Array.filter (fun t -> t.IsDefined(typeof<DeepCoro.Runtime.GenerateWithAttribute>, false))
                |> Array.map (fun t -> t.Name)
                |> Set.ofArray
            Expect.equal
                marked
                (set [
                    "TrainOptions"
                    "LossOptions"
                    "OptimizerOptions"
                    "ScheduleOptions"
                    "DataOptions"
                    "EncoderOptions"
                    "IntervalOptions"
                    "ThresholdOptions"
                    "TelemetryOptions"
                ])
                "the nine records F# copies"
            let isInit (p: PropertyInfo) =
                p.SetMethod <> null
                && p.SetMethod.IsPublic
                && p.SetMethod.ReturnParameter.GetRequiredCustomModifiers()
                   |> Array.contains typeof<System.Runtime.CompilerServices.IsExternalInit>
            for t in typeof<DeepCoro.Runtime.Training.TrainOptions>.Assembly.GetTypes() do
                if t.IsDefined(typeof<DeepCoro.Runtime.GenerateWithAttribute>, false) then
                    let expected =
                        t.GetProperties(BindingFlags.Public ||| BindingFlags.Instance)
                        |> Array.filter isInit
                        |> Array.map (fun p -> Char.ToLowerInvariant(p.Name[0]).ToString() + p.Name.Substring 1)
                        |> Set.ofArray
                    let copy = t.GetMethod "With"
                    Expect.isNotNull copy $"{t.Name}.With"
                    let parameters = copy.GetParameters()
                    Expect.equal (parameters |> Array.map (fun p -> p.Name) |> Set.ofArray) expected $"{t.Name}.With's parameters"
                    Expect.isTrue (parameters |> Array.forall (fun p -> p.IsOptional)) $"{t.Name}.With's parameters are optional"
        }
        test "DCW001 on a record that is not partial, on a class and on a nested record, at the type's name" {
            let source =
                String.concat "\n" [
                    "using DeepCoro.Runtime;"
                    "namespace Sample"
                    "{"
                    "    [GenerateWith] public sealed record Whole(int A);"
                    "    [GenerateWith] public sealed partial class Plain { public int A { get; init; } }"
                    "    public sealed partial record Outer"
                    "    {"
                    "        [GenerateWith] public sealed partial record Inner(int A);"
                    "    }"
                    "}"
                ]
            let _, run, diagnostics = generate source
            let found =
                diagnostics
                |> List.map (fun d -> d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 1, d.GetMessage())
                |> List.sortBy (fun (_, line, _) -> line)
            Expect.equal (found |> List.map (fun (id, line, _) -> id, line)) [ "DCW001", 4; "DCW001", 5; "DCW001", 8 ] "one error each"
            Expect.isTrue (diagnostics |> List.forall (fun d -> d.Severity = DiagnosticSeverity.Error)) "errors"
            let messages = found |> List.map (fun (_, _, m) -> m)
            Expect.stringContains messages[0] "Whole: [GenerateWith] is on a record that is not partial" "not partial"
            Expect.stringContains messages[1] "Plain: [GenerateWith] is on a class, not a record" "a class"
            Expect.stringContains messages[2] "is on a record nested in Outer" "nested"
            Expect.isFalse (run.GeneratedTrees |> Seq.exists (fun t -> t.FilePath.EndsWith ".With.g.cs")) "no With for any of them"
        }
    ]
