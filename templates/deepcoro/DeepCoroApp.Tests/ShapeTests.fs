/// The generated model's contract: for any batch, video and token count and any mask, each head gives
/// [batch, its outputs].
module DeepCoroApp.Tests.ShapeTests

open Expecto
open FsCheck
open TorchSharp
open DeepCoroApp.Models

let private config = { FsCheckConfig.defaultConfig with maxTest = 20 }

[<Tests>]
let tests =
    testList "SeedClsToken" [
        testPropertyWithConfig config "every head gives [B, outputs]"
        <| fun (batch: int) (videos: int) (tokens: int) (seed: int) ->
            let batch, videos, tokens = 1 + abs batch % 4, 1 + abs videos % 4, 1 + abs tokens % 8
            use model = new SeedClsToken()
            model.eval ()
            torch.manual_seed (int64 seed) |> ignore
            use x = torch.randn (int64 batch, int64 videos, int64 tokens, int64 SeedClsToken.EmbeddingDim)
            use mask = torch.rand(int64 batch, int64 videos).lt(torch.tensor 0.7)
            use _ = torch.no_grad ()
            let output = model.forward (SeedClsToken.Input(x, mask))
            for KeyValue(head, y) in output.ToDictionary() do
                Expect.sequenceEqual y.shape [| int64 batch; int64 SeedClsToken.HeadOutputs.[head] |] head
    ]
