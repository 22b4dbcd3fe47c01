/// The fused cls kernel in training mode, and the bench verb's output.
module DeepCoro.Tests.KernelTests

open System.Text.Json
open Expecto
open TorchSharp
open DeepCoro.Spec
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Model
open DeepCoro.Tests.TestSupport

let private withDropout (p: float) (spec: ModelSpec) =
    let rec stage (s: PoolStage) : PoolStage =
        match s with
        | :? PoolLevel as l ->
            PoolLevel(
                l.Kind,
                l.Over,
                PoolOptions(
                    l.Options.AttentionHeads,
                    l.Options.Norm,
                    p,
                    l.Options.Hidden,
                    l.Options.TokenKey,
                    l.Options.AttentionKey,
                    l.Options.NormKey,
                    l.Options.GateKey
                )
            )
        | :? ConcatStage as c ->
            ConcatStage(c.Branches |> Seq.map (Seq.map stage >> EquatableList.ToEquatableList) |> EquatableList.ToEquatableList)
        | other -> other
    ModelSpec(
        spec.IrVersion,
        spec.Name,
        spec.EmbeddingDim,
        spec.Axes,
        spec.Pooling |> Seq.map stage |> EquatableList.ToEquatableList,
        spec.Heads,
        spec.ViewEmbedding
    )

/// A 4D case with an empty sample; gated+cls (post-norm) or a pre-norm cls hierarchy.
let private case pre =
    let c: PoolPropertyTests.Case = {
        B = 3
        N = 4
        L = 6
        Heads = 2
        HeadWidth = 8
        Pool = PoolPropertyTests.GatedPlusCls
        FourD = true
        Valid = [| [| true; true; false; true |]; [| false; false; false; false |]; [| true; false; false; false |] |]
        Seed = 11
    }
    if pre then { c with Pool = PoolPropertyTests.Cls(true, false) } else c

let private modelWith (dropout: float) (c: PoolPropertyTests.Case) kernel =
    torch.manual_seed 3L |> ignore
    let model = new MilModel(PoolPropertyTests.specOf c |> withDropout dropout, kernel)
    use _ = torch.no_grad ()
    for p in model.parameters () do
        p.normal_ (0.0, 0.5) |> ignore
    model

[<Tests>]
let tests =
    testList "kernels" [
        for pre in [ false; true ] do
            test (sprintf "training mode with dropout 0 equals eval mode (pre-norm %b)" pre) {
                use _ = torch.NewDisposeScope()
                let c = case pre
                let model = modelWith 0.0 c ClsKernel.Fused
                let x, mask = PoolPropertyTests.inputOf c
                model.train ()
                let trained = PoolPropertyTests.run model x mask
                model.eval ()
                assertClose "train == eval" (PoolPropertyTests.run model x mask) trained
            }
            test (sprintf "dropout with a fixed seed gives the same result twice, and differs from eval (pre-norm %b)" pre) {
                use _ = torch.NewDisposeScope()
                let c = case pre
                let model = modelWith 0.3 c ClsKernel.Fused
                let x, mask = PoolPropertyTests.inputOf c
                model.train ()
                let once () =
                    torch.manual_seed 42L |> ignore
                    PoolPropertyTests.run model x mask
                let first, second = once (), once ()
                Expect.isTrue (first.equal(second).all().item<bool>()) "bit-identical under the same seed"
                model.eval ()
                let evaluated = PoolPropertyTests.run model x mask
                Expect.isFalse (evaluated.allclose (first)) "dropout is active in training"
                Expect.isTrue (first.isfinite().all().item<bool>()) "finite, empty sample included"
            }
        test "pre-norm over tokens far from centred (mean 10^4 times the spread) stays exact" {
            use _ = torch.NewDisposeScope()
            let c = case true
            let x, mask = PoolPropertyTests.inputOf c
            let shifted = x * 0.01 + 100.0
            let outputs kernel =
                let model = modelWith 0.0 c kernel
                model.eval ()
                PoolPropertyTests.run model shifted mask
            assertClose "fused vs reference" (outputs ClsKernel.Reference) (outputs ClsKernel.Fused)
        }
        test "bench prints one parseable JSON line per kernel with every field" {
            let code, out, err =
                CliTests.deepcoro [
                    "bench"
                    "--batch"
                    "2"
                    "--videos"
                    "2"
                    "--tokens"
                    "5"
                    "--dim"
                    "16"
                    "--attention-heads"
                    "2"
                    "--steps"
                    "2"
                    "--warmup"
                    "1"
                    "--threads"
                    "1"
                ]
            Expect.equal code 0 err
            let lines = out.Split('\n', System.StringSplitOptions.RemoveEmptyEntries)
            Expect.equal lines.Length 2 "fused and reference"
            for line, kernel in Array.zip lines [| "fused"; "reference" |] do
                use doc = JsonDocument.Parse line
                let root = doc.RootElement
                Expect.equal (root.GetProperty("kernel").GetString()) kernel "kernel"
                for field in
                    [ "device"; "threads"; "batch"; "videos"; "tokens"; "dim"; "train_step_ms"; "eval_ms"; "peak_rss_mb"; "read_floor_ms" ] do
                    Expect.isTrue (fst (root.TryGetProperty field)) (sprintf "has %s" field)
                Expect.equal (root.GetProperty("batch").GetInt32()) 2 "batch"
                Expect.equal (root.GetProperty("tokens").GetInt32()) 5 "tokens"
                Expect.isGreaterThan (root.GetProperty("train_step_ms").GetDouble()) 0.0 "timed"
        }
        test "bench rejects an unknown mode with the known ones" {
            let code, _, err = CliTests.deepcoro [ "bench"; "--mode"; "cls"; "--steps"; "1" ]
            Expect.equal code 1 err
            Expect.stringContains err "attention+cls_token" "lists the modes"
        }
    ]
