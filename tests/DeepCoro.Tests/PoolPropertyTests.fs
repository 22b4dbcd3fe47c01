/// Properties of the pooling hierarchy over random shapes, modes and masks: shapes, padding and permutation
/// invariance, finite results for empty samples, and fused == reference cls attention (values and gradients).
module DeepCoro.Tests.PoolPropertyTests

open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp
open DeepCoro.Spec
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Model
open DeepCoro.Tests.TestSupport

type Pool =
    | Mean
    | Max
    | Gated
    | Cls of pre: bool * shared: bool
    | MeanPlusCls
    | GatedPlusCls

/// One random scenario: sizes, pooling mode, 3D or 4D input, the video mask pattern and a torch seed.
type Case = {
    B: int
    N: int
    L: int
    Heads: int
    HeadWidth: int
    Pool: Pool
    FourD: bool
    Valid: bool[][]
    Seed: int
} with

    member c.D = c.Heads * c.HeadWidth

let genCase =
    gen {
        let! b = Gen.choose (1, 3)
        let! n = Gen.choose (1, 4)
        let! l = Gen.choose (1, 5)
        let! heads = Gen.elements [ 1; 2; 4 ]
        let! width = Gen.elements [ 2; 4; 8 ]
        let! pre = Gen.elements [ true; false ]
        let! shared = Gen.elements [ true; false ]
        let! pool = Gen.elements [ Mean; Max; Gated; Cls(pre, shared); MeanPlusCls; GatedPlusCls ]
        let! fourD = Gen.elements [ true; false ]
        // Some rows fully masked, most partly: every pool must stay finite and ignore masked videos.
        let! valid = Gen.arrayOfLength b (Gen.arrayOfLength n (Gen.frequency [ 3, Gen.constant true; 1, Gen.constant false ]))
        let! seed = Gen.choose (0, 100000)
        return { B = b; N = n; L = l; Heads = heads; HeadWidth = width; Pool = pool; FourD = fourD; Valid = valid; Seed = seed }
    }

let private level kind over (o: PoolOptions) = PoolLevel(kind, over, ReferenceNames.WithDefaultKeys(kind, over, o)) :> PoolStage

let specOf (c: Case) =
    let axes = if c.FourD then [ "videos"; "tokens" ] else [ "videos" ]
    let opts = PoolOptions(AttentionHeads = c.Heads, Hidden = 6)
    let cls pre shared over =
        let o = PoolOptions(AttentionHeads = c.Heads, Norm = (if pre then NormPlacement.Pre else NormPlacement.Post))
        let o =
            if shared then PoolOptions(AttentionHeads = c.Heads, Norm = o.Norm, AttentionKey = "cls_attention", NormKey = "cls_norm") else o
        level PoolKind.ClsToken over o
    let over kind = [ for a in List.rev axes -> level kind a opts ]
    let stages =
        match c.Pool with
        | Mean -> over PoolKind.Mean
        | Max -> over PoolKind.Max
        | Gated -> over PoolKind.GatedAttention
        | Cls(pre, shared) -> [ for a in List.rev axes -> cls pre shared a ]
        | MeanPlusCls -> [
            if c.FourD then
                level PoolKind.Mean "tokens" opts
            ConcatStage(EquatableList.Of(EquatableList.Of(level PoolKind.Mean "videos" opts), EquatableList.Of(cls false false "videos")))
          ]
        | GatedPlusCls -> [
            ConcatStage(
                EquatableList.Of(
                    over PoolKind.GatedAttention |> EquatableList.ToEquatableList,
                    [ for a in List.rev axes -> cls false false a ] |> EquatableList.ToEquatableList
                )
            )
          ]
    ModelSpec(
        1,
        "Prop",
        c.D,
        EquatableList.ToEquatableList axes,
        EquatableList.ToEquatableList stages,
        EquatableList.Of(HeadSpec("y", TaskKind.Regression, 2, LossKind.Mse), HeadSpec("k", TaskKind.Multiclass, 3, LossKind.Ce)),
        null
    )

/// A model with every parameter drawn N(0, 0.5), so attention is far from uniform and bugs show.
let modelOf (c: Case) kernel =
    torch.manual_seed (int64 c.Seed) |> ignore
    let model = new MilModel(ModelPlan.Of(specOf c), kernel)
    use _ = torch.no_grad ()
    for p in model.parameters () do
        p.normal_ (0.0, 0.5) |> ignore
    model.eval ()
    model

let inputOf (c: Case) : torch.Tensor * torch.Tensor =
    torch.manual_seed (int64 c.Seed + 1L) |> ignore
    let shape = if c.FourD then [| int64 c.B; int64 c.N; int64 c.L; int64 c.D |] else [| int64 c.B; int64 c.N; int64 c.D |]
    torch.randn shape, torch.tensor (Array2D.init c.B c.N (fun i j -> c.Valid[i][j]))

let run (model: MilModel) (x: torch.Tensor) (mask: torch.Tensor) =
    let out = model.forward (ModelInput(x, mask))
    torch.cat (([| out["y"]; out["k"] |]: torch.Tensor array), 1L)

let private config = { FsCheckConfig.defaultConfig with maxTest = 40 }
let private property name (body: Case -> unit) = testPropertyWithConfig config name (Prop.forAll (Arb.fromGen genCase) body)

[<Tests>]
let tests =
    testList "pool properties" [
        property "outputs are [B, outputs] and finite, empty samples included" (fun (c: Case) ->
            use _ = torch.NewDisposeScope()
            let x, mask = inputOf c
            let y = run (modelOf c ClsKernel.Fused) x mask
            Expect.sequenceEqual y.shape [| int64 c.B; 5L |] "shape"
            Expect.isTrue (y.isfinite().all().item<bool>()) "finite")

        property "appending masked videos with arbitrary content changes nothing" (fun (c: Case) ->
            use _ = torch.NewDisposeScope()
            let model = modelOf c ClsKernel.Fused
            let x, mask = inputOf c
            let extra = x.narrow (1, 0, 1L) * 7.0 + 3.0
            let padded = torch.cat (([| x; extra; extra.neg () |]: torch.Tensor array), 1L)
            let paddedMask = torch.cat (([| mask; torch.zeros (int64 c.B, 2L, dtype = torch.ScalarType.Bool) |]: torch.Tensor array), 1L)
            assertClose "padded" (run model x mask) (run model padded paddedMask))

        property "permuting videos (and tokens) permutes nothing in the output" (fun (c: Case) ->
            use _ = torch.NewDisposeScope()
            let model = modelOf c ClsKernel.Fused
            let x, mask = inputOf c
            let pv = torch.randperm (int64 c.N)
            let mutable xp = x.index_select (1, pv)
            if c.FourD then
                xp <- xp.index_select (2, torch.randperm (int64 c.L))
            assertClose "permuted" (run model x mask) (run model xp (mask.index_select (1, pv))))

        // In float64, so that the two algorithms' float32 rounding (different summation orders) cannot hide or
        // fake a difference: what is compared is the algebra. The golden tests cover float32 parity.
        property "fused == reference cls attention, outputs and gradients (float64)" (fun (c: Case) ->
            use _ = torch.NewDisposeScope()
            let x, mask = inputOf c
            let x = x.to_type torch.ScalarType.Float64
            let outputsAndGrads kernel =
                let model = modelOf c kernel
                model.``to`` (torch.ScalarType.Float64) |> ignore
                let leaf = x.detach().requires_grad_(true)
                let y = run model leaf mask
                (y * torch.linspace(-1.0, 1.0, y.numel (), dtype = torch.ScalarType.Float64).reshape(y.shape)).sum().backward()
                y.detach (),
                leaf.grad.detach (),
                [
                    for struct (n, p) in model.named_parameters () do
                        if not (isNull p.grad) then
                            n, p.grad.detach ()
                ]
            let y1, gx1, gp1 = outputsAndGrads ClsKernel.Fused
            let y2, gx2, gp2 = outputsAndGrads ClsKernel.Reference
            assertClose "outputs" y2 y1
            assertClose "grad.x" gx2 gx1
            Expect.equal (List.map fst gp1) (List.map fst gp2) "the same parameters get gradients"
            for (n, g1), (_, g2) in List.zip gp1 gp2 do
                assertClose ("grad." + n) g2 g1)
    ]
