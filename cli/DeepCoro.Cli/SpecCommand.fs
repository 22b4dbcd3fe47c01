/// `deepcoro spec`: validate a spec or config, print its resolved plan (the shape after every block, then every
/// parameter with its role, shape and users), optionally emit the IR.
module DeepCoro.Cli.SpecCommand

open Argu
open DeepCoro.Spec
open DeepCoro.Runtime.IO
open DeepCoro.Config
open DeepCoro.Cli.CliError

type SpecArgs =
    | [<MainCommand; Mandatory>] File of path: string
    | [<Unique>] Emit_Ir of path: string
    | As_Reference_Built

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | File _ -> "IR JSON, DeepCORO_CLIP YAML/JSON config, or a golden case (file.json#name)."
            | Emit_Ir _ -> "write the canonical IR JSON of the model to this path."
            | As_Reference_Built ->
                "a DeepCORO_CLIP config: the model it builds (8 heads, separate layers, post-norm), not the one it describes."

/// Rows of text as aligned columns; `right` marks the columns aligned to the right (numbers).
let private columns (right: int list) (rows: string list list) =
    let widths = rows |> List.transpose |> List.map (List.map String.length >> List.max)
    rows
    |> List.map (fun cells ->
        List.mapi2 (fun i (cell: string) w -> if List.contains i right then cell.PadLeft w else cell.PadRight w) cells widths
        |> String.concat "  "
        |> fun line -> line.TrimEnd())

/// The shape table: each block, the shape after it and the parameters it brings.
let shapeTable (plan: ModelPlan) =
    [
        yield [ "block"; "shape"; "parameters" ]
        for r in plan.Rows -> [ r.Block; r.Shape; r.Parameters.ToString "N0" ]
        yield [ "total"; ""; plan.ParameterCount.ToString "N0" ]
    ]
    |> columns [ 2 ]

/// The parameter table: every state_dict tensor in order, its module's role, shape and the plan paths using it.
let parameterTable (plan: ModelPlan) =
    [
        yield [ "parameter"; "role"; "shape"; "used by" ]
        for m in plan.Modules do
            for p in m.Parameters ->
                [
                    p.Key
                    m.RoleName
                    "[" + (p.Shape |> Seq.map string |> String.concat ", ") + "]"
                    (if m.Trained then String.concat ", " m.UsedBy else "frozen")
                ]
    ]
    |> columns []

let run (args: ParseResults<SpecArgs>) =
    let description, messages =
        ModelLoading.readWith (args.GetResult File) { ConfigFile.defaultOptions with AsReferenceBuilt = args.Contains As_Reference_Built }
    for m in messages do
        eprintfn "%s" m
    match description with
    | ModelLoading.Probe plan ->
        let spec = plan.Spec
        for d in plan.Diagnostics do
            if d.Severity = Severity.Warning then
                eprintfn "warning %s: %s: %s" d.Code d.Path d.Message
        printfn "%s (IR v%d): input [B, %s, %d]" spec.Name spec.IrVersion (String.concat ", " spec.Axes) spec.EmbeddingDim
        shapeTable plan |> List.iter (printfn "%s")
        printfn ""
        parameterTable plan |> List.iter (printfn "%s")
        match args.TryGetResult Emit_Ir with
        | Some path ->
            refuseInputAsOutput "--emit-ir" path [ "FILE", (args.GetResult File).Split('#').[0] ]
            AtomicFile.WriteText(path, SpecJson.Write spec)
            printfn "wrote %s" path
        | None -> ()
    | ModelLoading.Standalone h ->
        if args.Contains Emit_Ir then
            UserError.fail "--emit-ir: a stand-alone head has no spec IR"
        printfn
            "%s: [B, (S,) %d] -> %s -> fc1 %d -> [B, %d]%s"
            (if h.Regression then "ClsTokenLinearProbingRegressionHead" else "ClsTokenLinearProbingHead")
            h.InputDim
            (if h.UseCls then sprintf "cls token (%d heads)" h.AttentionHeads else "mean")
            DeepCoro.Runtime.Model.LinearProbingHead.HiddenWidth
            h.OutputDim
            (if h.Regression then " -> 50 (tanh + 1)" else "")
