/// `deepcoro infer`: outputs (and with --grad, gradients) of a model on saved inputs, for parity with PyTorch.
module DeepCoro.Cli.InferCommand

open System.Collections.Generic
open Argu
open TorchSharp
open DeepCoro.Runtime
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Config.ModelLoading
open DeepCoro.Cli.CliError

type InferArgs =
    | [<Mandatory; Unique>] Config of path: string
    | [<Mandatory; Unique>] Weights of path: string
    | [<Mandatory; Unique>] Inputs of path: string
    | [<Mandatory; Unique>] Output of path: string
    | Grad
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
            | Kernel _ -> "cls attention kernel: fused (default) or reference."
            | Device _ -> "auto, cpu, cuda or cuda:i (default cpu)."

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
    let spec =
        match description with
        | Probe spec -> spec
        | Standalone _ -> null
    for w in ModelWeights.LoadInto(model.Module, spec, weightsPath).Warnings do
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
