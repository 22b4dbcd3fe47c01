/// The models of this solution. The seed model: a cls token attends over the tokens of each video, a second over
/// the videos of a study, then three heads. A spec that cannot work (e.g. 6 attention heads over 512) fails the
/// build of DeepCoroApp here, with its DC code.
module DeepCoroApp.Specs.Specs

open type DeepCoro.Dsl.Dsl

let seedClsToken =
    hierarchy [ clsToken over tokens |> attentionHeads 8 |> dropout 0.1; clsToken over videos |> attentionHeads 8 ]
    |> heads [ regression "cathEF"; classification "stenosis" 3; binary "contrast" |> outputs 2 ]
    |> model "SeedClsToken" 512

/// Every model of this project, written to IR at build time.
let all = [ seedClsToken ]
