/// The cls kernels: the one-pass kernel against the batched and reference ones,
/// training mode, and the bench verb's output.
module DeepCoro.Tests.KernelTests

open System.Text.Json
open Expecto
open FsCheck
open FsCheck.FSharp
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
    let model = new MilModel(ModelPlan.Of(PoolPropertyTests.specOf c |> withDropout dropout), kernel)
    use _ = torch.no_grad ()
    for p in model.parameters () do
        p.normal_ (0.0, 0.5) |> ignore
    model


/// Outputs, grad.x and every parameter's gradient of a float32 model (weights N(0, 0.5)) under a kernel.
let private outputsAndGrads (c: PoolPropertyTests.Case) kernel =
    let model = PoolPropertyTests.modelOf c kernel
    let x, mask = PoolPropertyTests.inputOf c
    let leaf = x.detach().requires_grad_(true)
    let y = PoolPropertyTests.run model leaf mask
    (y * torch.linspace(-1.0, 1.0, y.numel ()).reshape(y.shape)).sum().backward()
    y.detach (),
    leaf.grad.detach (),
    [
        for struct (n, p) in model.named_parameters () do
            if not (isNull p.grad) then
                n, p.grad.detach ()
    ]

/// Within 1e-5 + 1e-4 max|expected| over the whole tensor: with weights N(0, 0.5) in float32, a gradient that is
/// zero in exact arithmetic (the key bias's: softmax ignores a shift) is each algorithm's rounding, of the order of
/// the other entries' precision, so it is compared on their scale. The golden tests compare element-wise.
let private assertCloseToScale what (expected: torch.Tensor) (actual: torch.Tensor) =
    Expect.sequenceEqual actual.shape expected.shape (sprintf "%s: shape" what)
    let scale = expected.abs().max().item<float32>() |> float
    let worst = (actual - expected).abs().max().item<float32>() |> float
    Expect.isLessThanOrEqual worst (1e-5 + 1e-4 * scale) (sprintf "%s: max abs difference (scale %g)" what scale)

let private assertSame (c: PoolPropertyTests.Case) expectedKernel =
    use _ = torch.NewDisposeScope()
    let y1, gx1, gp1 = outputsAndGrads c ClsKernel.Fused
    let y2, gx2, gp2 = outputsAndGrads c expectedKernel
    assertClose "outputs" y2 y1
    assertCloseToScale "grad.x" gx2 gx1
    Expect.equal (List.map fst gp1) (List.map fst gp2) "the same parameters get gradients"
    for (n, g1), (_, g2) in List.zip gp1 gp2 do
        assertCloseToScale ("grad." + n) g2 g1

/// The one-pass function against the same algebra in TorchSharp ops (softmax over [cls; tokens], the keep factors,
/// then the weighted sum and the weights' sum), outputs and the gradients of every input.
let private checkFunction (m: int64) (s: int64) (w: int64) (h: int64) (withKeep: bool) =
    use _ = torch.NewDisposeScope()
    torch.manual_seed 5L |> ignore
    let tokens = torch.randn (m, s, w)
    let valid = torch.rand (m, s) |> fun r -> r.gt (torch.tensor 0.3)
    valid[0L].fill_(false) |> ignore
    let u, beta, cls = torch.randn (h, w) * 0.3, torch.randn h, torch.randn w
    let keep = if withKeep then torch.rand(m, h, 1L + s).gt(torch.tensor 0.25).to_type(torch.ScalarType.Float32) / 0.75 else null
    let g = torch.randn (m, h, w + 1L)
    let leaves () = [ for t in [ tokens; u; beta; cls ] -> t.detach().requires_grad_(true) ]
    let gradsOf (out: torch.Tensor) (inputs: torch.Tensor list) =
        (out * g).sum().backward()
        out.detach () :: [ for t in inputs -> t.grad.detach () ]
    let viaKernel =
        let inputs = leaves ()
        let v = valid.contiguous ()
        gradsOf (ClsAttentionFunction.apply (inputs[0], v, inputs[1], inputs[2], inputs[3], keep)) inputs
    let viaOps =
        let inputs = leaves ()
        let tok, uu, bb, cc = inputs[0], inputs[1], inputs[2], inputs[3]
        let scores = tok.matmul(uu.t ()).transpose(1L, 2L) + bb.view (1L, h, 1L)
        let scores = scores.masked_fill (valid.logical_not().unsqueeze(1L), System.Double.NegativeInfinity)
        let clsScores = (uu.matmul cc + bb).view(1L, h, 1L).expand(m, h, 1L)
        let a = torch.nn.functional.softmax (torch.cat ([| clsScores; scores |], 2L), 2L)
        let a = if isNull keep then a else a * keep
        let values = torch.cat ([| cc.view(1L, 1L, w).expand(m, 1L, w); tok |], 1L)
        gradsOf (torch.cat ([| a.bmm values; a.sum(2L).unsqueeze(-1L) |], 2L)) inputs
    for name, expected, actual in List.zip3 [ "output"; "grad.tokens"; "grad.u"; "grad.beta"; "grad.cls" ] viaOps viaKernel do
        assertClose name expected actual

let private clsCases =
    gen {
        let! c = PoolPropertyTests.genCase
        let! pre = Gen.elements [ false; true ]
        let! shared = Gen.elements [ false; true ]
        return { c with Pool = PoolPropertyTests.Cls(pre, shared) }
    }

/// Seeded, as the fuzz suite is: two float32 algorithms agree to rounding, and a rare draw (a post-norm over 2
/// features, whose gradient scales with 1 / |x1 - x2|) sits at the tolerance's edge; a random seed per run made CI
/// flaky without finding a bug, a fixed one replays the same 20 cases every time.
let private property name (body: PoolPropertyTests.Case -> unit) =
    let config = { FsCheckConfig.defaultConfig with maxTest = 20; replay = Some(0x5EEDUL, 0x9E3779B97F4A7C15UL, None) }
    testPropertyWithConfig config name (Prop.forAll (Arb.fromGen clsCases) body)

[<Tests>]
let tests =
    testList "kernels" [
        property "one-pass == batched cls attention in float32, outputs and gradients (masks, empty rows, norms)" (fun c ->
            assertSame c ClsKernel.Batched)
        property "one-pass == reference cls attention in float32, outputs and gradients (masks, empty rows, norms)" (fun c ->
            assertSame c ClsKernel.Reference)
        for w, h in [ 20L, 3L; 64L, 8L ] do
            for withKeep in [ false; true ] do
                test (sprintf "one-pass function == its algebra in ops (w %d, %d heads, dropout keep %b)" w h withKeep) {
                    checkFunction 4L 19L w h withKeep
                }
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
            Expect.equal lines.Length 3 "fused, batched and reference"
            for line, kernel in Array.zip lines [| "fused"; "batched"; "reference" |] do
                use doc = JsonDocument.Parse line
                let root = doc.RootElement
                Expect.equal (root.GetProperty("kernel").GetString()) kernel "kernel"
                for field in
                    [
                        "device"
                        "threads"
                        "omp_wait_policy"
                        "batch"
                        "videos"
                        "tokens"
                        "dim"
                        "train_step_ms"
                        "eval_ms"
                        "peak_rss_mb"
                        "read_floor_ms"
                        "simd"
                        "peak_gmadd_s"
                        "bandwidth_gb_s"
                        "eval_floor_ms"
                        "eval_vs_floor"
                        "train_floor_ms"
                        "train_vs_floor"
                    ] do
                    Expect.isTrue (fst (root.TryGetProperty field)) (sprintf "has %s" field)
                Expect.equal (root.GetProperty("batch").GetInt32()) 2 "batch"
                Expect.equal (root.GetProperty("tokens").GetInt32()) 5 "tokens"
                Expect.isGreaterThan (root.GetProperty("train_step_ms").GetDouble()) 0.0 "timed"
        }
        test "deepcoro makes libtorch's OpenMP workers wait passively unless the user chose a policy" {
            // a child process: the policy has to be in the native environment before libtorch loads
            let policy (environment: (string * string) list) =
                let info =
                    System.Diagnostics.ProcessStartInfo(
                        System.IO.Path.Combine(System.AppContext.BaseDirectory, "deepcoro"),
                        RedirectStandardOutput = true,
                        RedirectStandardError = true
                    )
                for a in [ "bench"; "--kernel"; "fused"; "--batch"; "1"; "--videos"; "1"; "--tokens"; "3"; "--dim"; "8" ] do
                    info.ArgumentList.Add a
                for a in [ "--attention-heads"; "1"; "--steps"; "1"; "--warmup"; "0"; "--threads"; "1" ] do
                    info.ArgumentList.Add a
                info.Environment.Remove "OMP_WAIT_POLICY" |> ignore
                info.Environment.Remove "GOMP_SPINCOUNT" |> ignore
                for name, value in environment do
                    info.Environment[name] <- value
                use p = System.Diagnostics.Process.Start info
                let out = p.StandardOutput.ReadToEnd()
                let err = p.StandardError.ReadToEnd()
                p.WaitForExit()
                Expect.equal p.ExitCode 0 err
                use doc = JsonDocument.Parse(out.Trim())
                doc.RootElement.GetProperty("omp_wait_policy").GetString()
            Expect.equal (policy []) "passive" "set when the user set nothing"
            Expect.equal (policy [ "OMP_WAIT_POLICY", "ACTIVE" ]) "active" "the user's policy is kept"
            Expect.equal (policy [ "GOMP_SPINCOUNT", "1000" ]) "spin count 1000" "a spin count is the user's choice too"
        }
        test "bench rejects an unknown mode with the known ones" {
            let code, _, err = CliTests.deepcoro [ "bench"; "--mode"; "cls"; "--steps"; "1" ]
            Expect.equal code 1 err
            Expect.stringContains err "attention+cls_token" "lists the modes"
        }
    ]
