/// The Roslyn generator: emitted source (snapshots), generated == interpreted (golden configs and random specs,
/// compiled in memory), incremental caching, and every DC diagnostic at its file and line.
module DeepCoro.Tests.GeneratorTests

open System
open System.Collections.Generic
open System.IO
open System.Reflection
open System.Runtime.InteropServices
open System.Text.Json
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open Microsoft.CodeAnalysis.Diagnostics
open Microsoft.CodeAnalysis.Text
open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp
open DeepCoro.Spec
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Tests.TestSupport

// ------------------------------------------------------------------ driving the generator

/// Loaded by path, as the compiler loads it: its compiled-in copy of the spec types must not meet the tests' own.
let private generator =
    lazy
        let path = Path.Combine(AppContext.BaseDirectory, "generator", "DeepCoro.Generator.dll")
        let assembly = Assembly.LoadFrom path
        Activator.CreateInstance(assembly.GetType "DeepCoro.Generator.DeepCoroGenerator") :?> IIncrementalGenerator

type private SpecText(path: string, text: string) =
    inherit AdditionalText()
    override _.Path = path
    override _.GetText(_) = SourceText.From text

type private GlobalOptions(values: IReadOnlyDictionary<string, string>) =
    inherit AnalyzerConfigOptions()
    override _.TryGetValue(key: string, [<Out>] value: byref<string>) = values.TryGetValue(key, &value)

type private OptionsProvider(options: AnalyzerConfigOptions) =
    inherit AnalyzerConfigOptionsProvider()
    override _.GlobalOptions = options
    override _.GetOptions(_: SyntaxTree) = options
    override _.GetOptions(_: AdditionalText) = options

let private parseOptions = CSharpParseOptions(LanguageVersion.Latest)

let private references = compilationReferences

let private emptyCompilation () =
    CSharpCompilation.Create(
        "DeepCoro.Generated.Tests",
        [ CSharpSyntaxTree.ParseText("namespace Consumer { public static class Marker { } }", parseOptions) ],
        references.Force(),
        CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions = NullableContextOptions.Enable)
    )

let private driverOf (texts: AdditionalText list) (ns: string option) =
    let options = Dictionary<string, string>()
    ns |> Option.iter (fun n -> options["build_property.DeepCoroNamespace"] <- n)
    CSharpGeneratorDriver.Create(
        [| GeneratorExtensions.AsSourceGenerator(generator.Force()) |],
        texts,
        parseOptions,
        OptionsProvider(GlobalOptions options),
        GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, true)
    )

let private driverFor (files: (string * string) list) ns = driverOf [ for p, t in files -> SpecText(p, t) :> AdditionalText ] ns

/// Runs the generator once over spec files (path, JSON text).
let private generate (files: (string * string) list) = (driverFor files None).RunGenerators(emptyCompilation ()).GetRunResult()

/// Generated sources compiled and loaded: the assembly holding one module per spec.
let private compileGenerated (files: (string * string) list) =
    let compilation = emptyCompilation ()
    let mutable updated = null
    let mutable diagnostics = Unchecked.defaultof<_>
    (driverFor files None).RunGeneratorsAndUpdateCompilation(compilation, &updated, &diagnostics) |> ignore
    let generatorErrors = diagnostics |> Seq.filter (fun d -> d.Severity = DiagnosticSeverity.Error) |> List.ofSeq
    if not generatorErrors.IsEmpty then
        failtestf "generator errors: %A" generatorErrors
    use image = new MemoryStream()
    let emitted = updated.Emit image
    if not emitted.Success then
        let errors = emitted.Diagnostics |> Seq.filter (fun d -> d.Severity = DiagnosticSeverity.Error) |> Seq.truncate 10
        failtestf "generated code does not compile:\n%s" (String.Join("\n", errors))
    Assembly.Load(image.ToArray())

let private specPath (spec: ModelSpec) = $"/specs/{spec.Name}.deepcoro.json"

// ------------------------------------------------------------------ generated == interpreted

/// A generated module, reached by reflection: its constructor, typed Input and Output.ToDictionary.
type private Generated(assembly: Assembly, name: string) =
    let modelType = assembly.GetType("DeepCoro.Generated." + name, true)
    let inputType = modelType.GetNestedType "Input"
    member _.Create() = Activator.CreateInstance(modelType, [| box ClsKernel.Fused |]) :?> torch.nn.Module
    member _.Constant(field: string) = modelType.GetField(field).GetValue null
    member _.Forward(model: torch.nn.Module, input: ModelInput) =
        let args: obj[] =
            if (inputType.GetConstructors()[0]).GetParameters().Length = 3 then
                [| input.X; input.Mask; input.ViewIds |]
            else
                [| input.X; input.Mask |]
        let output = modelType.GetMethod("forward").Invoke(model, [| Activator.CreateInstance(inputType, args) |])
        output.GetType().GetMethod("ToDictionary").Invoke(output, [||]) :?> OrderedDictionary<string, torch.Tensor>

let private randomInput (spec: ModelSpec) (seed: int) =
    torch.manual_seed (int64 seed) |> ignore
    let sizes = spec.Axes |> Seq.mapi (fun i _ -> int64 (2 + (seed + i) % 3)) |> List.ofSeq
    let batch = 2L
    let x = torch.randn (Array.ofList (batch :: sizes @ [ int64 spec.EmbeddingDim ]))
    let mask = torch.rand(batch, sizes.Head).gt(torch.tensor 0.3f)
    let views =
        match spec.ViewEmbedding with
        | null -> null
        | v -> torch.randint (0L, int64 v.Classes + 1L, [| batch; sizes.Head |])
    ModelInput(x, mask, views)

let private maxAbsDiff (a: torch.Tensor) (b: torch.Tensor) = (a - b).abs().max().item<float32>()

let private identical (a: torch.Tensor) (b: torch.Tensor) = a.shape = b.shape && (a.numel () = 0L || maxAbsDiff a b = 0.0f)

/// The state_dict as (key, shape) pairs in its order.
let private keysAndShapes (state: IReadOnlyDictionary<string, torch.Tensor>) = [
    for KeyValue(key, value) in state -> key, List.ofArray value.shape
]

/// Both front doors build the plan: its keys and shapes in its order; the same seed gives the same weights (both
/// create the plan's modules in its order) and bit-identical outputs.
let private checkAgainstInterpreter (generated: Generated) (spec: ModelSpec) (seed: int) =
    use scope = torch.NewDisposeScope()
    let plan = ModelPlan.Of spec
    let planned = [ for p in plan.Parameters -> p.Key, [ for d in p.Shape -> int64 d ] ]
    torch.manual_seed (int64 seed) |> ignore
    use interpreted = new MilModel(plan)
    torch.manual_seed (int64 seed) |> ignore
    use model = generated.Create()
    let expected, actual = StateDict.Of interpreted, StateDict.Of model
    Expect.sequenceEqual (keysAndShapes expected) planned $"{spec.Name}: MilModel's state_dict is the plan's, in its order"
    Expect.sequenceEqual (keysAndShapes actual) planned $"{spec.Name}: the generated module's state_dict is the plan's, in its order"
    for KeyValue(key, value) in expected do
        Expect.isTrue (identical value actual[key]) $"{spec.Name}: '{key}' initialised alike"
    Expect.equal (generated.Constant "ParameterCount" :?> int64) plan.ParameterCount $"{spec.Name}: ParameterCount"
    interpreted.eval ()
    model.eval ()
    let input = randomInput spec seed
    use _ = torch.no_grad ()
    let want = interpreted.forward input
    let got = generated.Forward(model, input)
    Expect.sequenceEqual got.Keys want.Keys $"{spec.Name}: heads in spec order"
    for KeyValue(head, value) in want do
        Expect.isTrue (identical value got[head]) $"{spec.Name}: head '{head}' bit-identical"

/// Random valid specs over small widths: every pool kind, concat, shared keys, views, unused parameters.
let private genSpec (name: string) =
    let axisNames = [ "videos"; "tokens"; "patches" ]
    let genLevel (axis: string) =
        gen {
            let! kind = Gen.elements [ PoolKind.Mean; PoolKind.Max; PoolKind.GatedAttention; PoolKind.ClsToken ]
            let! heads = Gen.elements [ 1; 2; 4 ]
            let! norm = Gen.elements [ NormPlacement.Pre; NormPlacement.Post ]
            let! hidden = Gen.elements [ 4; 8 ]
            let! dropout = Gen.elements [ 0.0; 0.1 ]
            let options = PoolOptions(heads, norm, dropout, hidden)
            return PoolLevel(kind, axis, ReferenceNames.WithDefaultKeys(kind, axis, options)) :> PoolStage
        }
    gen {
        let! rank = Gen.choose (1, 3)
        let axes = axisNames |> List.take rank
        let! dim = Gen.elements [ 8; 16; 24 ]
        let! stages =
            axes
            |> List.rev
            |> List.map (fun axis ->
                gen {
                    let! split = Gen.elements [ false; false; false; true ]
                    if split then
                        let! a = genLevel axis
                        let! b = genLevel axis
                        return ConcatStage(EquatableList.Of(EquatableList.Of a, EquatableList.Of b)) :> PoolStage
                    else
                        return! genLevel axis
                })
            |> Gen.sequenceToList
        let! headCount = Gen.choose (1, 3)
        let! kinds = Gen.listOfLength headCount (Gen.elements [ TaskKind.Regression; TaskKind.Binary; TaskKind.Multiclass ])
        let heads =
            List.zip [ "cathEF"; "stenosis_grade"; "contrast-agent" ].[.. headCount - 1] kinds
            |> List.mapi (fun i (n, task) ->
                let outputs = if task = TaskKind.Multiclass then 2 + i else 1
                HeadSpec(n, task, outputs, HeadSpec.DefaultLoss task))
        let! views = Gen.elements [ None; None; Some 3 ]
        let! unused = Gen.elements [ false; false; true ]
        let spec =
            ModelSpec(
                ModelSpec.CurrentIrVersion,
                name,
                dim,
                EquatableList axes,
                EquatableList stages,
                EquatableList heads,
                (match views with
                 | Some v -> ViewEmbeddingSpec(v)
                 | None -> null)
            )
        if unused then
            return
                ModelSpec(
                    spec.IrVersion,
                    spec.Name,
                    spec.EmbeddingDim,
                    spec.Axes,
                    spec.Pooling,
                    spec.Heads,
                    spec.ViewEmbedding,
                    UnusedParameters = EquatableList.Of(UnusedParameter("legacy.weight", EquatableList.Of(2, 3)))
                )
        else
            return spec
    }
    // Shared keys at different widths (after a concat) are DC0011: such draws are not valid specs.
    |> Gen.filter (fun s -> (ModelPlan.Of s).Diagnostics |> Seq.forall (fun d -> d.Severity <> Severity.Error))

let private genBatch =
    gen {
        let! count = Gen.choose (1, 4)
        return! [ for i in 1..count -> genSpec $"Random{i}" ] |> Gen.sequenceToList
    }

let private checkBatch (specs: ModelSpec list) =
    let assembly = compileGenerated [ for s in specs -> specPath s, SpecJson.Write s ]
    specs |> List.iteri (fun i spec -> checkAgainstInterpreter (Generated(assembly, spec.Name)) spec (17 + i))

/// The golden MIL cases as specs, by the same import the CLI uses for cases.json.
let private goldenSpecs =
    lazy
        use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(goldenDir, "cases.json")))
        [
            for case in doc.RootElement.EnumerateObject() do
                if case.Value.GetProperty("model").GetString() = "multi_instance_linear_probing" then
                    let rank = case.Value.GetProperty("input_shape").GetArrayLength()
                    let spec = DeepCoro.Config.DeepCoroConfig.ofCaseConfig case.Name (case.Value.GetProperty("config").GetRawText()) rank
                    yield case.Name, spec
        ]

// ------------------------------------------------------------------ snapshots and diagnostics

let private snapshotDir = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Snapshots")


/// A valid spec without warnings; the cases below replace one of its lines. Line numbers are 1-based.
let private baseLines = [
    "{"
    "  \"irVersion\": 1,"
    "  \"name\": \"Probe\","
    "  \"embeddingDim\": 128,"
    "  \"axes\": [\"videos\", \"tokens\"],"
    "  \"pooling\": ["
    "    { \"pool\": \"clsToken\", \"over\": \"tokens\" },"
    "    { \"pool\": \"clsToken\", \"over\": \"videos\" }"
    "  ],"
    "  \"heads\": ["
    "    { \"name\": \"cathEF\", \"task\": \"regression\", \"outputs\": 1 }"
    "  ]"
    "}"
]

let private withLine (line: int) (text: string) = baseLines |> List.mapi (fun i l -> if i + 1 = line then text else l) |> String.concat "\n"

let private headLine (fields: string) = $"    {{ \"name\": \"cathEF\", \"task\": \"regression\", \"outputs\": 1{fields} }}"

/// (code, spec text, the line the diagnostic must point at).
let private diagnosticCases = [
    DiagnosticCodes.Malformed, withLine 4 "  \"embeddingDim\": \"128\",", 4
    DiagnosticCodes.Malformed, withLine 4 "  \"embeddingDim\": 128", 5
    DiagnosticCodes.UnsupportedVersion, withLine 2 "  \"irVersion\": 2,", 2
    DiagnosticCodes.HeadsDoNotDivide, withLine 7 "    { \"pool\": \"clsToken\", \"over\": \"tokens\", \"attentionHeads\": 6 },", 7
    DiagnosticCodes.UnknownAxis, withLine 8 "    { \"pool\": \"clsToken\", \"over\": \"frames\" }", 8
    DiagnosticCodes.AxisOrder, withLine 7 "    { \"pool\": \"clsToken\", \"over\": \"videos\" },", 7
    DiagnosticCodes.DuplicateHead, withLine 11 (headLine " }, { \"name\": \"cath_e_f\", \"task\": \"regression\", \"outputs\": 1"), 11
    DiagnosticCodes.InvalidHeadName, withLine 11 "    { \"name\": \"1cathEF\", \"task\": \"regression\", \"outputs\": 1 }", 11
    DiagnosticCodes.InvalidOutputs, withLine 11 "    { \"name\": \"cathEF\", \"task\": \"multiclass\", \"outputs\": 1 }", 11
    DiagnosticCodes.UnknownField, withLine 11 (headLine ", \"colour\": \"red\""), 11
    DiagnosticCodes.UnreducedAxes, withLine 5 "  \"axes\": [\"studies\", \"videos\", \"tokens\"],", 6
    DiagnosticCodes.SharedKeyConflict,
    withLine
        8
        "    { \"pool\": \"clsToken\", \"over\": \"videos\", \"attentionHeads\": 4, \"params\": { \"attention\": \"cls_attention_within\" } }",
    8
    DiagnosticCodes.InvalidValue, withLine 7 "    { \"pool\": \"clsToken\", \"over\": \"tokens\", \"dropout\": 1.5 },", 7
    DiagnosticCodes.NoHeads, withLine 11 "", 10
    DiagnosticCodes.ConcatMismatch, withLine 7 "    { \"concat\": [ [ { \"pool\": \"mean\", \"over\": \"tokens\" } ] ] },", 7
    DiagnosticCodes.HighDropout, withLine 7 "    { \"pool\": \"clsToken\", \"over\": \"tokens\", \"dropout\": 0.6 },", 7
    DiagnosticCodes.NarrowAttentionHead, withLine 7 "    { \"pool\": \"clsToken\", \"over\": \"tokens\", \"attentionHeads\": 16 },", 7
    DiagnosticCodes.ZeroLossWeight, withLine 11 (headLine ", \"weight\": 0"), 11
]

let private checkDiagnostic (code: string) (text: string) (line: int) =
    let path = "/specs/Probe.deepcoro.json"
    let result = generate [ path, text ]
    let found = result.Diagnostics |> Seq.filter (fun d -> d.Id = code) |> List.ofSeq
    if found.IsEmpty then
        failtestf "%s not reported; got %A" code (List.ofSeq result.Diagnostics)
    let d = found.Head
    let span = d.Location.GetLineSpan()
    Expect.equal span.Path path "located in the spec file"
    Expect.equal (span.StartLinePosition.Line + 1) line $"{code} at line {line}: {d.GetMessage()}"
    let severity = if code.StartsWith "DC1" then DiagnosticSeverity.Warning else DiagnosticSeverity.Error
    Expect.equal d.Severity severity "DC0xxx fail the build, DC1xxx warn"
    if severity = DiagnosticSeverity.Error then
        Expect.isEmpty result.GeneratedTrees "no code for a spec with errors"

let private allCached (result: GeneratorDriverRunResult) = [
    for step in [ "DeepCoro.Read"; "DeepCoro.Models"; "DeepCoro.Namespace" ] do
        for run in result.Results[0].TrackedSteps[step] do
            for struct (_, reason) in run.Outputs -> step, reason
]

[<Tests>]
let tests =
    testList "generator" [
        testList "snapshots" [
            for name in [ "SeedClsToken"; "EveryBlock"; "Survival" ] do
                test $"{name} emits its verified source" {
                    let path = $"/specs/{name}.deepcoro.json"
                    let result = generate [ path, File.ReadAllText(Path.Combine(snapshotDir, name + ".deepcoro.json")) ]
                    Expect.isEmpty result.Diagnostics "a valid spec fires no diagnostic"
                    verifySnapshot name ((result.GeneratedTrees |> Seq.exactlyOne).GetText().ToString())
                }
            test "a spec with Cox and discrete-time survival heads compiles to typed outputs that equal the interpreter's" {
                let text = File.ReadAllText(Path.Combine(snapshotDir, "Survival.deepcoro.json"))
                let spec = SpecJson.Parse(text, "Survival.deepcoro.json")
                let assembly = compileGenerated [ specPath spec, SpecJson.Write spec ]
                checkAgainstInterpreter (Generated(assembly, spec.Name)) spec 5
            }
            test "the namespace comes from DeepCoroNamespace" {
                let spec = File.ReadAllText(Path.Combine(snapshotDir, "SeedClsToken.deepcoro.json"))
                let driver = (driverFor [ "/specs/Seed.deepcoro.json", spec ] (Some "Consumer.Models")).RunGenerators(emptyCompilation ())
                let source = (driver.GetRunResult().GeneratedTrees |> Seq.exactlyOne).GetText().ToString()
                Expect.stringContains source "namespace Consumer.Models" "configured namespace"
            }
        ]
        testList "generated == interpreted" [
            test "golden configs: same keys, same seeded weights, bit-identical outputs; reference outputs with its weights" {
                let cases = goldenSpecs.Force()
                let assembly = compileGenerated [ for _, s in cases -> specPath s, SpecJson.Write s ]
                for case, spec in cases do
                    let generated = Generated(assembly, spec.Name)
                    checkAgainstInterpreter generated spec 5
                    use scope = torch.NewDisposeScope()
                    use model = generated.Create()
                    let weights = Path.Combine(goldenDir, case + ".weights.safetensors")
                    StateDict.LoadStrict(model, Safetensors.Load weights, weights)
                    model.eval ()
                    let io = Safetensors.Load(Path.Combine(goldenDir, case + ".io.safetensors"))
                    let input = ModelInput(io["x"], io["mask"], (if io.ContainsKey "view_ids" then io["view_ids"] else null))
                    use _ = torch.no_grad ()
                    for KeyValue(head, value) in generated.Forward(model, input) do
                        let diff = maxAbsDiff value io["out." + head]
                        Expect.isLessThan diff 1e-4f $"{case}: head '{head}' matches the reference"
            }
            testPropertyWithConfig
                { FsCheckConfig.defaultConfig with maxTest = 8 }
                "random valid specs"
                (Prop.forAll (Arb.fromGen genBatch) checkBatch)
            test "random valid specs fire no errors" {
                let specs = Gen.sampleWithSeed (Rnd 42UL) 10 10 (genSpec "Random") |> List.ofArray
                for spec in specs do
                    let result = generate [ specPath spec, SpecJson.Write spec ]
                    Expect.all result.Diagnostics (fun d -> d.Severity <> DiagnosticSeverity.Error) $"{SpecJson.Write spec}"
            }
        ]
        testList "incremental" [
            test "a second run on unchanged inputs is all Cached/Unchanged" {
                let files = [
                    for n in [ "SeedClsToken"; "EveryBlock" ] ->
                        $"/specs/{n}.deepcoro.json", File.ReadAllText(Path.Combine(snapshotDir, n + ".deepcoro.json"))
                ]
                let compilation = emptyCompilation ()
                let first = (driverFor files None).RunGenerators compilation
                let consumerEdit = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Edited { }", parseOptions))
                let second = first.RunGenerators(consumerEdit).GetRunResult()
                let steps = allCached second
                Expect.isNonEmpty steps "tracked steps"
                for step, reason in steps do
                    Expect.isTrue
                        (reason = IncrementalStepRunReason.Cached || reason = IncrementalStepRunReason.Unchanged)
                        $"{step}: {reason}"
            }
            test "editing one spec re-reads only that file" {
                let text name = File.ReadAllText(Path.Combine(snapshotDir, name + ".deepcoro.json"))
                let seed = SpecText("/specs/a.deepcoro.json", text "SeedClsToken") :> AdditionalText
                let other = SpecText("/specs/b.deepcoro.json", text "EveryBlock") :> AdditionalText
                let compilation = emptyCompilation ()
                let driver = (driverOf [ seed; other ] None).RunGenerators compilation
                let edited = SpecText("/specs/a.deepcoro.json", (text "SeedClsToken").Replace("\"outputs\": 3", "\"outputs\": 4"))
                let result = driver.ReplaceAdditionalText(seed, edited).RunGenerators(compilation).GetRunResult()
                let reasons =
                    result.Results[0].TrackedSteps["DeepCoro.Read"]
                    |> Seq.collect (fun r -> r.Outputs)
                    |> Seq.map (fun struct (_, reason) -> reason)
                    |> List.ofSeq
                Expect.contains reasons IncrementalStepRunReason.Modified "the edited file"
                Expect.contains reasons IncrementalStepRunReason.Cached "the other file"
            }
        ]
        testList "diagnostics" [
            for code, text, line in diagnosticCases do
                test $"{code} at line {line}: {DiagnosticCodes.Titles[code]}" { checkDiagnostic code text line }
            test "every DC code of the spec has a case" {
                let covered = diagnosticCases |> List.map (fun (c, _, _) -> c) |> Set.ofList
                Expect.equal covered (DiagnosticCodes.Titles.Keys |> Set.ofSeq) "one case per code"
            }
            test "DC0015: two files declare one model" {
                let text = String.concat "\n" baseLines
                let result = generate [ "/specs/a.deepcoro.json", text; "/specs/b.deepcoro.json", text ]
                let d = result.Diagnostics |> Seq.exactlyOne
                Expect.equal d.Id "DC0015" "code"
                Expect.equal (d.Location.GetLineSpan().Path) "/specs/b.deepcoro.json" "the second file"
                Expect.equal (d.Location.GetLineSpan().StartLinePosition.Line + 1) 3 "at its name"
                Expect.equal (Seq.length result.GeneratedTrees) 1 "the first is still emitted"
            }
            test "a valid spec fires none" {
                let result = generate [ "/specs/Probe.deepcoro.json", String.concat "\n" baseLines ]
                Expect.isEmpty result.Diagnostics "no diagnostics"
            }
        ]
    ]
