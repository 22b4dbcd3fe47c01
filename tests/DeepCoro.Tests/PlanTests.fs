/// The resolved model plan: the reference's state_dict in its order, widths after every step, roles and scopes.
module DeepCoro.Tests.PlanTests

open System.IO
open System.Text.Json
open Expecto
open DeepCoro.Spec
open DeepCoro.Dsl
open type DeepCoro.Dsl.Dsl
open DeepCoro.Config
open DeepCoro.Tests.TestSupport

/// Every MIL case of the golden set, imported as the CLI imports cases.json.
let private goldenCases =
    lazy
        use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(goldenDir, "cases.json")))
        [
            for case in doc.RootElement.EnumerateObject() do
                if case.Value.GetProperty("model").GetString() = "multi_instance_linear_probing" then
                    let rank = case.Value.GetProperty("input_shape").GetArrayLength()
                    yield case.Name, DeepCoroConfig.ofCaseConfig case.Name (case.Value.GetProperty("config").GetRawText()) rank
        ]

/// The reference's own state_dict (key, shape) lists, written by tools/reference_state_dict_order.py with PyTorch.
let private referenceStateDicts =
    lazy
        use doc =
            JsonDocument.Parse(
                File.ReadAllText(Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "reference_state_dicts.json"))
            )
        doc.RootElement.EnumerateObject()
        |> Seq.map (fun case ->
            case.Name,
            [ for entry in case.Value.EnumerateArray() -> entry[0].GetString(), [ for d in entry[1].EnumerateArray() -> d.GetInt32() ] ])
        |> Map.ofSeq

let private planned (spec: ModelSpec) = [ for p in (ModelPlan.Of spec).Parameters -> p.Key, List.ofSeq p.Shape ]

let private widths (steps: seq<PlanStep>) = [ for s in steps -> s.Width ]

let private moduleOf (plan: ModelPlan) key = plan.Modules |> Seq.find (fun m -> m.Key = key)

[<Tests>]
let tests =
    testList "plan" [
        test "every golden case lists the reference's state_dict keys and shapes, in its order" {
            let reference = referenceStateDicts.Force()
            Expect.equal reference.Count (goldenCases.Force().Length) "one reference list per MIL case"
            for name, spec in goldenCases.Force() do
                Expect.sequenceEqual (planned spec) reference[name] name
        }
        test "widths after every step and the head width" {
            let seed = hierarchy [ clsToken over tokens; clsToken over videos ] |> heads [ regression "ef" ] |> model "Seed" 512
            let plan = ModelPlan.Of seed
            Expect.equal (widths plan.Steps) [ 512; 512 ] "two cls levels keep the width"
            Expect.equal plan.HeadWidth 512 "heads read 512"
            let hybrid =
                hierarchy [
                    concat [
                        branch [ gatedAttention over tokens; gatedAttention over videos ]
                        branch [ clsToken over tokens; clsToken over videos ]
                    ]
                ]
                |> heads [ regression "ef" ]
                |> model "Hybrid" 64
            let plan = ModelPlan.Of hybrid
            Expect.equal (widths plan.Steps) [ 128 ] "a concat of two branches doubles the width"
            match plan.Steps[0] with
            | :? PlanStep.Concat as c -> Expect.equal [ for b in c.Branches -> widths b ] [ [ 64; 64 ]; [ 64; 64 ] ] "each branch keeps 64"
            | other -> failtestf "expected a concat, got %A" other
            Expect.equal plan.HeadWidth 128 "heads read both branches"
            Expect.equal (moduleOf plan "heads.ef").Input 128 "the head's Linear reads 128"
        }
        test "roles and scopes: within for inner axes, across for the masked axis or a module shared with it" {
            let seed =
                hierarchy [ clsToken over tokens; gatedAttention over videos ] |> withViews 3 |> heads [ binary "b" ] |> model "Roles" 32
            let plan = ModelPlan.Of seed
            let roleOf key = let m = moduleOf plan key in m.Role, m.Scope
            Expect.equal (roleOf "cls_token") (ParameterRole.ClsToken, LevelScope.Within) "the token of the level over tokens"
            Expect.equal (roleOf "cls_attention_within") (ParameterRole.Attention, LevelScope.Within) "attention within"
            Expect.equal (roleOf "cls_norm_within") (ParameterRole.Norm, LevelScope.Within) "norm within"
            Expect.equal (roleOf "attention_V") (ParameterRole.Gate, LevelScope.Across) "gate across"
            Expect.equal (roleOf "view_embedding") (ParameterRole.ViewEmbedding, LevelScope.None) "view embedding"
            Expect.equal (roleOf "heads.b") (ParameterRole.Head, LevelScope.None) "head"
            let shared =
                hierarchy [ clsToken over tokens |> sharedAttention; clsToken over videos |> sharedAttention ]
                |> heads [ binary "b" ]
                |> model "Shared" 32
            let plan = ModelPlan.Of shared
            Expect.equal (moduleOf plan "cls_attention").Scope LevelScope.Across "a layer shared with the across level counts as across"
            Expect.equal (List.ofSeq (moduleOf plan "cls_attention").UsedBy) [ "pooling[0]"; "pooling[1]" ] "used by both levels"
        }
        test "unused reference tensors keep the reference's role, scope and place, and are not trained" {
            let _, spec = goldenCases.Force() |> List.find (fun (n, _) -> n = "cls3d_post")
            let plan = ModelPlan.Of spec
            let within = moduleOf plan "cls_attention_within"
            Expect.equal
                (within.Kind, within.Role, within.Scope)
                (ModuleKind.Unused, ParameterRole.Attention, LevelScope.Within)
                "unused within attention"
            Expect.isFalse within.Trained "frozen"
            Expect.equal
                [ for m in plan.Modules -> m.Key ]
                [
                    "cls_token"
                    "cls_attention_within"
                    "cls_attention_across"
                    "cls_norm_within"
                    "cls_norm_across"
                    "heads.cathEF"
                    "heads.stenosis"
                    "heads.contrast"
                ]
                "module order"
        }
        test "each pool step carries by name what its block is built from; the plan lists its pools and heads" {
            let plan =
                ModelPlan.Of(
                    hierarchy [
                        concat [ branch [ gatedAttention over tokens |> hidden 8 |> dropout 0.2 ]; branch [ max over tokens ] ]
                        clsToken over videos |> attentionHeads 4 |> preNorm |> dropout 0.1
                    ]
                    |> heads [ binary "b" |> headDropout 0.3; regression "r" ]
                    |> model "Steps" 32
                )
            Expect.equal
                [ for p in plan.Pools -> p.Index, p.Kind, p.Over ]
                [ 0, PoolKind.GatedAttention, "tokens"; 1, PoolKind.Max, "tokens"; 2, PoolKind.ClsToken, "videos" ]
                "the pools depth first, indexed"
            match plan.Pools[0], plan.Pools[2] with
            | :? PlanStep.GatedAttention as g, (:? PlanStep.Cls as c) ->
                Expect.equal
                    (g.V, g.U, g.W, g.Dropout)
                    ("attention_V", "attention_U", "attention_w", 0.2)
                    "gated attention's Linears and dropout"
                Expect.equal
                    (c.Token, c.Attention, c.Norm, c.Heads, c.Placement, c.Dropout, c.Masked)
                    ("cls_token", "cls_attention_across", "cls_norm_across", 4, NormPlacement.Pre, 0.1, true)
                    "cls step's parameters and settings"
            | other -> failtestf "expected a gated-attention and a cls step, got %A" other
            Expect.equal [ for c in plan.ClsPools -> c.Index ] [ 2 ] "the cls pools"
            Expect.equal
                [ for h in plan.Heads -> h.Name, h.Task, h.Outputs, h.Dropout, h.Key, List.ofSeq h.Module.Parameters[0].Shape ]
                [ "b", TaskKind.Binary, 1, 0.3, "heads.b", [ 1; 64 ]; "r", TaskKind.Regression, 1, 0.0, "heads.r", [ 1; 64 ] ]
                "the heads in spec order, with their Linears on the concatenated width"
        }
        test "a spec with errors still gets its diagnostics, and OrThrow names the source" {
            let bad =
                hierarchy [ clsToken over tokens |> attentionHeads 6; clsToken over videos ] |> heads [ regression "ef" ] |> model "Bad" 512
            let plan = ModelPlan.Of bad
            Expect.isTrue plan.HasErrors "6 heads over 512"
            Expect.equal [ for d in plan.Errors -> d.Code ] [ DiagnosticCodes.HeadsDoNotDivide ] "DC0003"
            Expect.throwsC (fun () -> plan.OrThrow "bad.json: " |> ignore) (fun e ->
                Expect.stringContains e.Message "bad.json: " "names the source")
        }
        test "a diagnostic names its field by type with the head's or pool's index, beside its JSON path" {
            let bad =
                hierarchy [ mean over tokens; clsToken over videos |> attentionHeads 6 |> dropout 0.7 ]
                |> heads [ regression "ef"; binary "ok"; binary "b" |> outputs 3 ]
                |> model "Bad" 512
            Expect.equal
                [ for d in (ModelPlan.Of bad).Diagnostics -> d.Field, d.Index, d.Path ]
                [
                    SpecField.AttentionHeads, 1, "pooling[1].attentionHeads"
                    SpecField.Dropout, 1, "pooling[1].dropout"
                    SpecField.Outputs, 2, "heads[2].outputs"
                ]
                "fields, indices and paths"
        }
    ]
