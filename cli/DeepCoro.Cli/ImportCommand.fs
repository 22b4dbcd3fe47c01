/// `deepcoro import`: a DeepCORO_CLIP checkpoint (.pt, or a bare state_dict) into this project's safetensors
/// weights for the model a config describes, keys and shapes checked strictly.
module DeepCoro.Cli.ImportCommand

open System.Collections.Generic
open System.IO
open Argu
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.IO
open DeepCoro.Config.ModelLoading

type ImportArgs =
    | [<Mandatory>] Config of path: string
    | [<Mandatory>] Checkpoint of path: string
    | [<Mandatory>] Output of path: string
    | As_Reference_Built
    | Set of ``key=value``: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Config _ -> "the model's config: IR JSON, DeepCORO_CLIP YAML/JSON config, or a golden case (file.json#name)."
            | Checkpoint _ -> "DeepCORO_CLIP checkpoint (best_model_epoch_N.pt) or a state_dict saved with torch.save."
            | Output _ -> "safetensors to write (the reference's keys, loadable by infer, eval and PyTorch)."
            | As_Reference_Built ->
                "a DeepCORO_CLIP config: the model it builds (8 heads, separate layers, post-norm), as its checkpoints were trained."
            | Set _ -> "override a config key, e.g. --set embedding_dim=768 (repeatable)."

let run (args: ParseResults<ImportArgs>) =
    let checkpoint, out = args.GetResult Checkpoint, args.GetResult Output
    let options = {
        DeepCoro.Config.ConfigFile.defaultOptions with
            AsReferenceBuilt = args.Contains As_Reference_Built
            Overrides = args.GetResults Set |> List.map DeepCoro.Config.ConfigFile.parseOverride
    }
    let description, messages = readWith (args.GetResult Config) options
    for m in messages do
        eprintfn "%s" m
    let built = build ClsKernel.Fused description
    use model = built.Module
    let plan =
        match built with
        | ProbeModel p -> p.Plan
        | HeadModel _ -> null
    let loaded = ModelWeights.LoadInto(model, plan, checkpoint)
    for w in loaded.Warnings do
        eprintfn "warning: %s" w
    let metadata = Dictionary<string, string>()
    metadata["source"] <- Path.GetFullPath checkpoint
    loaded.Epoch |> Option.ofNullable |> Option.iter (fun e -> metadata["epoch"] <- string e)
    Safetensors.Save(out, StateDict.Of model, metadata)
    let epoch = loaded.Epoch |> Option.ofNullable |> Option.map (sprintf " (epoch %d)") |> Option.defaultValue ""
    printfn "wrote %s: %d tensors from %s%s" out loaded.TensorCount checkpoint epoch
    if loaded.UnusedKeys.Count > 0 then
        printfn
            "not used: %d video_encoder.* keys (the reference's video encoder; this project reads its embeddings)"
            loaded.UnusedKeys.Count
