/// `deepcoro spec`: validate a spec or config, print the shape table and parameter counts, optionally emit the IR.
module DeepCoro.Cli.SpecCommand

open Argu
open DeepCoro.Spec
open DeepCoro.Runtime.IO
open DeepCoro.Config.UserError
open DeepCoro.Config.ModelLoading

type SpecArgs =
    | [<MainCommand; Mandatory>] File of path: string
    | Emit_Ir of path: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | File _ -> "IR JSON, DeepCORO_CLIP YAML/JSON config, or a golden case (file.json#name)."
            | Emit_Ir _ -> "write the canonical IR JSON of the model to this path."

/// The shape table as aligned text rows.
let table (spec: ModelSpec) =
    let rows = SpecValidator.Shapes spec
    let w1 = rows |> Seq.map (fun r -> r.Block.Length) |> Seq.append [ 5 ] |> Seq.max
    let w2 = rows |> Seq.map (fun r -> r.Shape.Length) |> Seq.append [ 5 ] |> Seq.max
    [ yield sprintf "%-*s  %-*s  %12s" w1 "block" w2 "shape" "parameters"
      for r in rows -> sprintf "%-*s  %-*s  %12s" w1 r.Block w2 r.Shape (r.Parameters.ToString "N0")
      yield sprintf "%-*s  %-*s  %12s" w1 "total" w2 "" ((SpecValidator.ParameterCount spec).ToString "N0") ]

let run (args: ParseResults<SpecArgs>) =
    match describe (args.GetResult File) with
    | Probe spec ->
        for d in SpecValidator.Validate spec do
            if d.Severity = Severity.Warning then eprintfn "warning %s: %s: %s" d.Code d.Path d.Message
        printfn "%s (IR v%d): input [B, %s, %d]" spec.Name spec.IrVersion (String.concat ", " spec.Axes) spec.EmbeddingDim
        table spec |> List.iter (printfn "%s")
        match args.TryGetResult Emit_Ir with
        | Some path ->
            AtomicFile.WriteText(path, SpecJson.Write spec)
            printfn "wrote %s" path
        | None -> ()
    | StandaloneHead(inputDim, outputDim, _, heads, useCls, regression) ->
        if args.Contains Emit_Ir then fail "--emit-ir: a stand-alone head has no spec IR"
        printfn "%s: [B, (S,) %d] -> %s -> fc1 %d -> [B, %d]%s"
            (if regression then "ClsTokenLinearProbingRegressionHead" else "ClsTokenLinearProbingHead")
            inputDim (if useCls then sprintf "cls token (%d heads)" heads else "mean") DeepCoro.Runtime.Model.LinearProbingHead.HiddenWidth outputDim
            (if regression then " -> 50 (tanh + 1)" else "")
