/// `deepcoro infer`: outputs (and with --grad, gradients) of a model on saved inputs, for parity with PyTorch.
module DeepCoro.Cli.InferCommand

open System
open System.Collections.Generic
open Argu
open TorchSharp
open DeepCoro.Runtime
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Config.ModelLoading
open DeepCoro.Config.UserError
open DeepCoro.Cli.CliError

type InferArgs =
    | [<Mandatory; Unique>] Config of path: string
    | [<Mandatory; Unique>] Weights of path: string
    | [<Mandatory; Unique>] Inputs of path: string
    | [<Mandatory; Unique>] Output of path: string
    | Grad
    | [<Unique>] Expect of path: string
    | [<Unique>] Kernel of ClsKernel
    | [<Unique>] Device of string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Config _ -> "IR JSON, DeepCORO_CLIP YAML/JSON config, or a golden case (file.json#name)."
            | Weights _ -> "weights: safetensors, or a PyTorch .pt/.pth checkpoint or state_dict (keys checked strictly)."
            | Inputs _ -> "safetensors with x, optional mask and view_ids (and probe.* with --grad)."
            | Output _ -> "safetensors to write: out.<head> (or out), and grad.* with --grad."
            | Grad -> "also write grad.x and grad.<parameter> of sum(out * probe)."
            | Expect _ ->
                "safetensors with the expected out.* and grad.* (a golden case's io.safetensors): per output the max absolute and relative (to nonzero expected values) error, PASS within 1e-5 + 1e-4 |expected|, exit 1 on FAIL."
            | Kernel _ -> "cls attention kernel: fused (default) or reference."
            | Device _ -> "auto, cpu, cuda or cuda:i (default cpu)."

/// The golden tests' tolerance: |actual - expected| <= atol + rtol |expected| for every element.
let private atol, rtol = 1e-5, 1e-4

let private toleranceText = "1e-5 + 1e-4 |expected|"

let private sci (v: float) = v.ToString("0.000e+00", Globalization.CultureInfo.InvariantCulture)

/// Per expected output (out*, grad.*): the max absolute and relative error and PASS or FAIL at the tolerance; an
/// output the run did not produce, or of another shape, fails. Returns the lines and whether every output passed.
let compare (expectPath: string) (expected: IReadOnlyDictionary<string, torch.Tensor>) (actual: IReadOnlyDictionary<string, torch.Tensor>) =
    let keys = expected.Keys |> Seq.filter (fun k -> k = "out" || k.StartsWith "out." || k.StartsWith "grad.") |> Seq.sort |> List.ofSeq
    if keys.IsEmpty then
        raise (UserFailure(sprintf "--expect %s: holds no out, out.<head> or grad.* tensor to compare with" expectPath))
    let width = keys |> List.map String.length |> List.max
    let results = [
        for key in keys ->
            match actual.TryGetValue key with
            | false, _ -> false, sprintf "%-*s  FAIL: not produced (pass --grad for gradients)" width key
            | true, a ->
                let e = expected[key].``to``(a.device).to_type(torch.ScalarType.Float64)
                let a = a.to_type torch.ScalarType.Float64
                if a.shape <> e.shape then
                    false,
                    sprintf
                        "%-*s  FAIL: shape [%s], expected [%s]"
                        width
                        key
                        (String.concat ", " (Seq.map string a.shape))
                        (String.concat ", " (Seq.map string e.shape))
                else
                    let diff = (a - e).abs()
                    let maxAbs = if diff.numel () = 0L then 0.0 else diff.max().item<float>()
                    // relative to the nonzero expected values (where 0 is expected, the absolute error says it)
                    let nonzero = e.ne (torch.tensor 0.0)
                    let rel = torch.where (nonzero, diff / torch.where (nonzero, e.abs (), torch.ones_like e), torch.zeros_like diff)
                    let maxRel = if diff.numel () = 0L then 0.0 else rel.max().item<float>()
                    let bound = e.abs () * torch.tensor rtol + torch.tensor atol
                    let ok = diff.le(bound).all().item<bool>()
                    ok, sprintf "%-*s  max abs %s  max rel %s  %s" width key (sci maxAbs) (sci maxRel) (if ok then "PASS" else "FAIL")
    ]
    let passed = results |> List.forall fst
    [
        yield sprintf "compared with %s at %s:" expectPath toleranceText
        for _, line in results -> "  " + line
        yield (if passed then sprintf "PASS: %d outputs within %s" results.Length toleranceText else "FAIL")
    ],
    passed

let run (args: ParseResults<InferArgs>) =
    let device = DeviceChoice.Parse(args.GetResult(Device, "cpu"))
    let weightsPath = args.GetResult Weights
    let inputsPath = args.GetResult Inputs
    refuseInputAsOutput "--output" (args.GetResult Output) [
        "--config", (args.GetResult Config).Split('#').[0]
        "--weights", weightsPath
        "--inputs", inputsPath
    ]
    let description = read (args.GetResult Config)
    let model = build (args.GetResult(Kernel, ClsKernel.Fused)) description
    use scope = torch.NewDisposeScope()
    let plan =
        match model with
        | ProbeModel p -> p.Plan
        | HeadModel _ -> null
    for w in ModelWeights.LoadInto(model.Module, plan, weightsPath).Warnings do
        eprintfn "warning: %s" w
    model.Module.``to`` (device) |> ignore
    let inputs =
        let d = Dictionary<string, torch.Tensor>()
        for kv in Safetensors.Load inputsPath do
            d[kv.Key] <- kv.Value.``to`` (device)
        d :> IReadOnlyDictionary<_, _>
    let outputs =
        match model with
        | ProbeModel m -> Inference.Run(m, inputs, args.Contains Grad, inputsPath)
        | HeadModel h -> Inference.Run(h, inputs, args.Contains Grad, inputsPath)
    Safetensors.Save(args.GetResult Output, outputs)
    printfn "wrote %s: %s" (args.GetResult Output) (outputs.Keys |> String.concat ", ")
    match args.TryGetResult Expect with
    | Some expectPath ->
        let expected = Safetensors.Load expectPath
        let lines, passed = compare expectPath expected outputs
        for line in lines do
            printfn "%s" line
        if not passed then
            raise (UserFailure(sprintf "%s: outputs differ from the expected ones beyond %s (lines above)" expectPath toleranceText))
    | None -> ()
