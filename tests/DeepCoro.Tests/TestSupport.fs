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

let tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "deepcoro-tests", Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d
