/// The generator's incremental caching, step by step over two spec files: an edit to one re-emits that one alone,
/// and an edit that leaves its model as it was (a moved line) re-emits nothing.
module DeepCoro.Tests.GeneratorCachingTests

open System
open System.IO
open System.Reflection
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open Microsoft.CodeAnalysis.Text
open Expecto
open DeepCoro.Tests.TestSupport

/// Loaded by path, as the compiler (and GeneratorTests) load it: its compiled-in spec types stay its own.
let private generator =
    lazy
        let assembly = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "generator", "DeepCoro.Generator.dll"))
        Activator.CreateInstance(assembly.GetType "DeepCoro.Generator.DeepCoroGenerator") :?> IIncrementalGenerator

type private SpecText(path: string, text: string) =
    inherit AdditionalText()
    override _.Path = path
    override _.GetText(_) = SourceText.From text

let private snapshot name = File.ReadAllText(Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Snapshots", name + ".deepcoro.json"))

let private pathA, pathB = "/specs/a.deepcoro.json", "/specs/b.deepcoro.json"

/// Runs the generator over a (SeedClsToken) and b (EveryBlock), then again with a's text edited: the second run.
let private rerunAfterEditingA (edit: string -> string) =
    let a = SpecText(pathA, snapshot "SeedClsToken") :> AdditionalText
    let b = SpecText(pathB, snapshot "EveryBlock") :> AdditionalText
    let options = GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps = true)
    let compilation = CSharpCompilation.Create "Caching"
    let driver =
        CSharpGeneratorDriver
            .Create([| GeneratorExtensions.AsSourceGenerator(generator.Force()) |], [ a; b ], driverOptions = options)
            .RunGenerators(compilation)
    let edited = SpecText(pathA, edit (snapshot "SeedClsToken"))
    driver.ReplaceAdditionalText(a, edited).RunGenerators(compilation).GetRunResult().Results[0]

/// The reasons of a tracked step's outputs whose value mentions the path ("" for all of them).
let private reasons (result: GeneratorRunResult) (step: string) (path: string) = [
    for run in result.TrackedSteps[step] do
        for struct (value, reason) in run.Outputs do
            if (string value).Contains path then
                reason
]

let private reused reason = reason = IncrementalStepRunReason.Cached || reason = IncrementalStepRunReason.Unchanged

let private expectReused (result: GeneratorRunResult) step path =
    let found = reasons result step path
    Expect.isNonEmpty found $"{step} has outputs for '{path}'"
    Expect.all found reused $"{step} for '{path}' is reused: {found}"

[<Tests>]
let tests =
    testList "generator caching" [
        test "a line moved in one spec re-emits nothing" {
            let result = rerunAfterEditingA (fun text -> "\n" + text)
            Expect.contains (reasons result "DeepCoro.Read" pathA) IncrementalStepRunReason.Modified "a is read again"
            Expect.contains (reasons result "DeepCoro.Names" "") IncrementalStepRunReason.Modified "a's name moved"
            expectReused result "DeepCoro.Specs" ""
            expectReused result "DeepCoro.Shadowed" ""
            expectReused result "DeepCoro.Models" ""
            Expect.equal result.GeneratedSources.Length 2 "both sources are still there"
        }
        test "a change to one spec re-emits that spec alone" {
            let result = rerunAfterEditingA (fun text -> text.Replace("\"outputs\": 3", "\"outputs\": 4"))
            Expect.contains (reasons result "DeepCoro.Models" pathA) IncrementalStepRunReason.Modified "a is emitted again"
            expectReused result "DeepCoro.Models" pathB
            expectReused result "DeepCoro.Specs" pathB
            expectReused result "DeepCoro.Shadowed" ""
        }
    ]
