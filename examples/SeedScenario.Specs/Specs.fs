/// The seed document's model: a cls token attends over the 393 tokens of each video, a second over the
/// 4 videos of a study, then three heads (DeepCORO_CLIP's `cls_token_example`).
module SeedScenario.Specs.Specs

open type DeepCoro.Dsl.Dsl

let seedClsToken =
    hierarchy [ clsToken over tokens |> attentionHeads 8; clsToken over videos |> attentionHeads 8 ]
    |> heads [ regression "cathEF"; classification "stenosis" 3; binary "contrast" |> outputs 2 ]
    |> model "SeedClsToken" 512

/// Every model of this project, written to IR at build time.
let all = [ seedClsToken ]
