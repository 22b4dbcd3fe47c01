/// Every golden fixture of the PyTorch reference, outputs and gradients, with every cls kernel.
module DeepCoro.Tests.GoldenTests

open System.IO
open System.Text.Json
open Expecto
open TorchSharp
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Config
open DeepCoro.Tests.TestSupport

let caseNames =
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(goldenDir, "cases.json")))
    [ for p in doc.RootElement.EnumerateObject() -> p.Name ]

/// Runs a golden case through the same path as `deepcoro infer --grad`.
let runCase (kernel: ClsKernel) (name: string) =
    let model = ModelLoading.read (Path.Combine(goldenDir, "cases.json") + "#" + name) |> ModelLoading.build kernel
    let weights = Path.Combine(goldenDir, name + ".weights.safetensors")
    StateDict.LoadStrict(model.Module, Safetensors.Load weights, weights)
    let io = Safetensors.Load(Path.Combine(goldenDir, name + ".io.safetensors"))
    let outputs =
        match model with
        | ModelLoading.ProbeModel m -> Inference.Run(m, io, true, name)
        | ModelLoading.HeadModel h -> Inference.Run(h, io, true, name)
    io, outputs

let private checkCase kernel name =
    use scope = torch.NewDisposeScope()
    let expected, actual = runCase kernel name
    let expectedKeys = expected.Keys |> Seq.filter (fun k -> k.StartsWith "out" || k.StartsWith "grad.") |> Set.ofSeq
    Expect.equal (actual.Keys |> Set.ofSeq) expectedKeys "the same outputs and gradients as the reference"
    for key in expectedKeys do
        assertClose key expected[key] actual[key]

[<Tests>]
let tests =
    testList "golden" [
        for kernel in [ ClsKernel.Fused; ClsKernel.Batched; ClsKernel.Reference ] do
            for name in caseNames do
                test (sprintf "%A %s" kernel name) { checkCase kernel name }
    ]
