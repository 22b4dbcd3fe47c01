module DeepCoro.Tests.SpecTests

open Expecto
open DeepCoro.Spec

let private seedIr =
    """{
  "irVersion": 1, "name": "Seed", "embeddingDim": 512, "axes": ["videos", "tokens"],
  "pooling": [ { "pool": "clsToken", "over": "tokens" }, { "pool": "clsToken", "over": "videos" } ],
  "heads": [ { "name": "cathEF", "task": "regression", "outputs": 1 } ]
}"""

let errorsOf (text: string) = (SpecJson.Read text).Diagnostics |> Seq.filter (fun d -> d.Severity = Severity.Error) |> List.ofSeq

[<Tests>]
let tests =
    testList "spec" [
        test "the seed spec reads with keys named like the reference" {
            let spec = SpecJson.Parse(seedIr, "seed.json")
            let keys = (ModelPlan.Of spec).Parameters |> Seq.map (fun p -> p.Key) |> List.ofSeq
            Expect.contains keys "cls_attention_within.in_proj_weight" "within layer"
            Expect.contains keys "cls_attention_across.out_proj.bias" "across layer"
            Expect.equal (keys |> List.filter ((=) "cls_token")).Length 1 "one shared cls token"
        }
        test "json round trip is exact" {
            let spec = SpecJson.Parse(seedIr, "seed.json")
            Expect.equal (SpecJson.Parse(SpecJson.Write spec, "rt.json")) spec "round trip"
        }
        test "six heads over 512 is DC0003 at its line" {
            let bad =
                seedIr.Replace(
                    """{ "pool": "clsToken", "over": "tokens" }""",
                    """{ "pool": "clsToken", "over": "tokens", "attentionHeads": 6 }"""
                )
            match errorsOf bad with
            | [ d ] ->
                Expect.equal d.Code "DC0003" "code"
                Expect.equal d.Line 3 "line"
                Expect.stringContains d.Message "512" "names the width"
            | ds -> failtestf "expected one error, got %A" ds
        }
    ]
