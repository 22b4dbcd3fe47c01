/// Many forward/backward calls leave no native tensor behind (TorchSharp's DisposeScope statistics).
module DeepCoro.Tests.LeakTests

open Expecto
open TorchSharp
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Model
open DeepCoro.Tests

let private liveTensors () = DisposeScopeManager.Statistics.ThreadTotalLiveCount

let private steps (kernel: ClsKernel) (mode: PoolPropertyTests.Pool) =
    let case: PoolPropertyTests.Case = {
        B = 2
        N = 3
        L = 4
        Heads = 2
        HeadWidth = 4
        Pool = mode
        FourD = true
        Valid = [| [| true; false; true |]; [| false; false; false |] |]
        Seed = 7
    }
    use model = PoolPropertyTests.modelOf case kernel
    model.train ()
    let x, mask = PoolPropertyTests.inputOf case
    let before = liveTensors ()
    for _ in 1..50 do
        use _ = torch.NewDisposeScope()
        let leaf = x.detach().requires_grad_(true)
        let y = PoolPropertyTests.run model leaf mask
        y.sum().backward()
        model.zero_grad ()
    let after = liveTensors ()
    x.Dispose()
    mask.Dispose()
    before, after

[<Tests>]
let tests =
    testList "leaks" [
        for kernel in [ ClsKernel.Fused; ClsKernel.Reference ] do
            for mode in [ PoolPropertyTests.Cls(true, false); PoolPropertyTests.GatedPlusCls; PoolPropertyTests.Max ] do
                test (sprintf "50 training steps, %A %A" kernel mode) {
                    let before, after = steps kernel mode
                    Expect.equal after before "live native tensors before and after the steps"
                }
    ]
