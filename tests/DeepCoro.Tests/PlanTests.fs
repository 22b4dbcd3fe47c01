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
        test "each block call names a runtime block with its arguments in constructor order" {
            let plan =
                ModelPlan.Of(
                    hierarchy [ clsToken over tokens |> attentionHeads 4 |> preNorm |> dropout 0.1; mean over videos ]
                    |> heads [ binary "b" ]
                    |> model "Calls" 32
                )
            let calls = [ for s in plan.Steps -> (s :?> PlanStep.Pool).Block ]
            Expect.equal [ for c in calls -> c.Block ] [ "ClsTokenPool"; "MeanPool" ] "blocks"
            Expect.sequenceEqual
                calls[0].Arguments
                [
                    BlockArgument.Parameter "cls_token"
                    BlockArgument.Module "cls_attention_within"
                    BlockArgument.Module "cls_norm_within"
                    BlockArgument.Int 4
                    BlockArgument.Placement NormPlacement.Pre
                    BlockArgument.Real 0.1
                    BlockArgument.Kernel()
                ]
                "cls arguments"
            Expect.isTrue calls[0].TakesKernel "the cls block can switch kernels"
            Expect.isFalse calls[1].TakesKernel "mean has no kernel"
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
    ]
