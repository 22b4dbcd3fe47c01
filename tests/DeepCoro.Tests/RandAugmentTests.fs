/// The reference's training augmentation (torchvision.transforms.v2 RandAugment(magnitude=9, num_ops=2) on uint8
/// frames): every operation against torchvision's output saved by tools/make_randaugment_fixtures.py, and the draw.
module DeepCoro.Tests.RandAugmentTests

open System
open System.IO
open Expecto
open TorchSharp
open DeepCoro.Runtime.IO.Torch
open DeepCoro.Runtime.Video
open DeepCoro.Tests.TestSupport

let private fixtures =
    lazy
        (use file = TorchFile.Open(Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "video", "randaugment.pt"))
         let root = file.Root :?> PickledDict
         root.Entries
         |> Seq.map (fun (KeyValue(key, value)) -> string key, file.ReadTensor(value :?> PickledTensor).clone().DetachFromDisposeScope())
         |> Map.ofSeq)

/// The number of values that differ and the largest difference, in levels.
let private difference (expected: torch.Tensor) (actual: torch.Tensor) =
    use d = (expected.``to`` (torch.int32) - actual.``to`` (torch.int32)).abs()
    use zero = torch.tensor 0
    d.gt(zero).sum().item<int64>(), d.max().item<int>()

let private same (a: torch.Tensor) (b: torch.Tensor) = Seq.toList a.shape = Seq.toList b.shape && a.eq(b).all().item<bool>()

[<Tests>]
let tests =
    testList "rand augment" [
        for op in Enum.GetValues<RandAugmentOp>() do
            if op <> RandAugmentOp.Identity then
                let signs = if RandAugment.Signed op then [ "+", 1.0; "-", -1.0 ] else [ "", 1.0 ]
                for suffix, sign in signs do
                    test (sprintf "%A%s equals torchvision's" op suffix) {
                        use _ = torch.NewDisposeScope()
                        let video = fixtures.Force().["input"]
                        let magnitude = sign * RandAugment.MagnitudeOf(op, int video.shape.[2], int video.shape.[3])
                        let actual = RandAugment.Apply(video, op, magnitude)
                        let expected = fixtures.Force().[sprintf "%A%s" op suffix]
                        Expect.equal actual.dtype torch.uint8 "uint8"
                        Expect.sequenceEqual actual.shape expected.shape "shape"
                        Expect.isFalse (same actual video) "the operation changes the video"
                        let count, largest = difference expected actual
                        let message = sprintf "%d values differ, by up to %d" count largest
                        match op, suffix with
                        | (RandAugmentOp.Color | RandAugmentOp.Sharpness), "+" ->
                            // an extrapolating blend (factor above 1) truncates a few values one level apart from
                            // PyTorch 1.13's; every other operation, and these below 1, agree to the bit
                            Expect.isLessThanOrEqual largest 1 message
                            Expect.isLessThan (float count) (0.05 * float video.NumberOfElements) message
                        | _ -> Expect.equal (count, largest) (0L, 0) message
                    }
        test "two operations per call, drawn from the seed: the same seed gives the same video, frames alike" {
            use _ = torch.NewDisposeScope()
            let video = fixtures.Force().["input"]
            let a = RandAugment.Apply(video, Random 5)
            let b = RandAugment.Apply(video, Random 5)
            Expect.isTrue (same a b) "seeded"
            let differs = [ 0..20 ] |> List.exists (fun s -> not (same (RandAugment.Apply(video, Random s)) a))
            Expect.isTrue differs "other seeds draw other operations"
            // the same operation on both frames: a frame duplicated stays duplicated
            let twin = torch.stack [| video.[0]; video.[0] |]
            let out = RandAugment.Apply(twin, Random 9)
            Expect.isTrue (same out.[0] out.[1]) "one draw for the whole video"
        }
    ]
