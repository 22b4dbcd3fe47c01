/// Paths, tolerances and tensor helpers shared by the test files.
module DeepCoro.Tests.TestSupport

open System
open System.IO

/// The repository root: the folder holding DeepCoroDsl.sln above the test binary.
let repoRoot =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith "DeepCoroDsl.sln not found above the test binary"
        elif File.Exists(Path.Combine(dir.FullName, "DeepCoroDsl.sln")) then dir.FullName
        else up dir.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

/// `shared/` lies beside the clone (CI and sessions alike).
let sharedDir = Path.GetFullPath(Path.Combine(repoRoot, "..", "shared"))
let goldenDir = Path.Combine(sharedDir, "golden")

/// Hand-rolled Verify for generated sources: `source` must equal `Snapshots/<name>.verified.cs`; a mismatch (or a
/// new name) writes `<name>.received.cs` beside it to review and rename.
let verifySnapshot (name: string) (source: string) =
    let snapshots = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Snapshots")
    let verified = Path.Combine(snapshots, name + ".verified.cs")
    let received = Path.Combine(snapshots, name + ".received.cs")
    if File.Exists verified && File.ReadAllText verified = source then
        File.Delete received
    else
        File.WriteAllText(received, source)
        Expecto.Tests.failtestf
            "%s differs from %s (or is new): review %s and rename it to .verified.cs if it is right"
            name
            verified
            received

/// Every assembly the test process runs with (framework, TorchSharp, runtime): what generated code compiles against.
let compilationReferences =
    lazy
        (AppContext.GetData "TRUSTED_PLATFORM_ASSEMBLIES" :?> string).Split(Path.PathSeparator)
        |> Array.filter (fun p -> p.EndsWith ".dll")
        |> Array.map (fun p -> Microsoft.CodeAnalysis.MetadataReference.CreateFromFile p :> Microsoft.CodeAnalysis.MetadataReference)

let tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "deepcoro-tests", Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

/// The parity tolerance of the project: |a - e| <= 1e-5 + 1e-4 |e| elementwise (float32 or float64).
let assertClose (what: string) (expected: TorchSharp.torch.Tensor) (actual: TorchSharp.torch.Tensor) =
    Expecto.Expect.sequenceEqual actual.shape expected.shape (sprintf "%s: shape" what)
    if not (TorchSharp.torch.isclose(actual, expected, 1e-4, 1e-5).all().item<bool>()) then
        let worst = (actual - expected).abs().max().to_type(TorchSharp.torch.ScalarType.Float64).item<float>()
        Expecto.Tests.failtestf "%s: max abs difference %g exceeds 1e-5 + 1e-4|expected|" what worst
