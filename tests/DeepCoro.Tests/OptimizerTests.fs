/// The optimizer's one-pass update against its per-tensor TorchSharp ops: the same bits over several steps.
module DeepCoro.Tests.OptimizerTests

open Expecto
open TorchSharp
open DeepCoro.Runtime.Training

/// Parameters of odd sizes (vector tails), one larger than a parallel chunk, one without a gradient, in two
/// groups with different rates and decays; eight steps with fresh gradients at varying rate factors.
let private trajectory (kind: OptimizerKind) (onePass: bool) =
    torch.manual_seed 7L |> ignore
    let shapes = [ [| 37L |]; [| 64L; 33L |]; [| 700L; 70L |]; [| 5L |] ]
    let ps = [ for s in shapes -> torch.nn.Parameter(torch.randn s) ]
    let group name (members: int list) lr wd =
        ParameterGroup(name, System.Collections.Generic.List [ for i in members -> struct (sprintf "p%d" i, ps[i]) ], lr, wd)
    let groups = ResizeArray [ group "a" [ 0; 1 ] 0.01 0.05; group "b" [ 2; 3 ] 0.003 0.0 ]
    use optimizer = new AdamOptimizer(groups, OptimizerOptions(Kind = kind, Beta2 = 0.9))
    optimizer.OnePass <- onePass
    for step in 1..8 do
        use _ = torch.NewDisposeScope()
        optimizer.ZeroGrad()
        torch.manual_seed (100L + int64 step) |> ignore
        // p3 gets no gradient: the optimizer must leave it and its moments alone
        let loss = ps |> List.take 3 |> List.map (fun p -> (p * torch.randn_like p).sum()) |> List.reduce (+)
        loss.backward ()
        optimizer.Step(0.5 + 0.1 * float step)
    [
        for i, p in List.indexed ps -> sprintf "p%d" i, p.detach().clone()
        for KeyValue(k, t) in optimizer.State() -> k, t.clone ()
    ]

[<Tests>]
let tests =
    testList "optimizer" [
        for kind in [ OptimizerKind.AdamW; OptimizerKind.RAdam ] do
            test (sprintf "%A: the one-pass update equals the per-tensor ops bit for bit over eight steps" kind) {
                let fused, perTensor = trajectory kind true, trajectory kind false
                Expect.equal (List.map fst fused) (List.map fst perTensor) "the same tensors"
                for (name, a), (_, b) in List.zip fused perTensor do
                    Expect.isTrue (a.equal(b).all().item<bool>()) (sprintf "%s: bit-identical" name)
                Expect.isFalse (fused[0] |> snd |> fun p0 -> p0.equal(torch.zeros_like p0).all().item<bool>()) "the parameters moved"
            }
    ]
