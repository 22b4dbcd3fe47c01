/// Where sweep parameters land in this project's training config (sections model_config, data, optimizer, scheduler,
/// training): the key space of that layout, behind the runtime's IParameterKeySpace so that other layouts (the
/// reference's flat configs) bring their own. A parameter goes where the base config has it (the full path from the
/// top, else the one section that holds it); else where the training config would read it (a section's key, or a
/// reference name it maps, e.g. scheduler_name -> scheduler.name); keys of the reference's encoder, AMP or W&B set-up
/// are left out with one warning; anything else is an error with the closest known key.
module DeepCoro.Config.SweepKeySpace

open System
open System.IO
open YamlDotNet.Core
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Runtime.Sweeps

/// The sections of the training config and the keys each reads (declared where they are read).
let private sections =
    [ "model_config", DeepCoroConfig.modelKeys
      "data", TrainConfig.dataKeys
      "optimizer", TrainConfig.optimizerKeys
      "scheduler", TrainConfig.schedulerKeys
      "training", TrainConfig.trainingKeys ]

/// Keys that hold one value per head (a map of heads, or one value for all).
let private perHeadKeys = [ "head_lr"; "head_weight_decay"; "head_weights"; "loss_structure"; "head_task"; "label_columns"; "labels_map" ]

/// Top-level reference keys the training config accepts and ignores: its video encoder, loader, AMP and W&B set-up.
let private encoderKeys =
    TrainConfig.topKeys
    |> List.filter (fun k -> not (List.exists (fun (s, _) -> s = k) sections) && k <> "model" && not (TrainConfig.referenceKeys.ContainsKey k))

/// The reference's flat names for keys of a section: the reference keys the training config maps, and `optimizer`,
/// which names the optimizer in the reference but is a section here.
let private aliases =
    (TrainConfig.referenceKeys
     |> Map.toList
     |> List.map (fun (k, target) ->
         match target.Split ':' with
         | [| section; key |] -> k, [ section; key ]
         | _ -> k, [ target; k ]))
    @ [ "optimizer", [ "optimizer"; "name" ] ]
    |> Map.ofList

/// Keys of the training config whose relative values are paths against the config's folder.
let pathKeys = [| "manifest"; "root"; "model"; "data_filename" |]

let private dotted (path: string seq) = String.Join(".", path)

type TrainingKeySpace(baseFile: string, baseText: string) =
    let root =
        let stream = YamlStream()
        try stream.Load(new StringReader(baseText))
        with :? YamlException as e -> raise (ArgumentException(sprintf "%s:%d:%d: not valid YAML: %s" baseFile e.Start.Line e.Start.Column e.Message))
        match stream.Documents |> Seq.tryHead |> Option.map (fun d -> d.RootNode) with
        | Some(:? YamlMappingNode as m) -> m
        | _ -> raise (ArgumentException(sprintf "%s: the base config must be a map of keys" baseFile))

    let heads =
        match YamlKeyTree.Follow(root, [| "model_config"; "head_structure" |]) with
        | :? YamlMappingNode as m -> m.Children.Keys |> Seq.choose (function :? YamlScalarNode as s -> Some s.Value | _ -> None) |> List.ofSeq
        | _ -> []

    let known =
        [ for s, keys in sections do
              yield! keys
              for k in keys -> s + "." + k
          yield! aliases.Keys ]
        |> List.distinct

    let hasModelConfig = not (isNull (YamlKeyTree.Follow(root, [| "model_config" |])))

    /// Per-head keys name a head of the model as their second key.
    let checkHead (path: string list) =
        match path |> List.skipWhile (fun k -> not (List.contains k perHeadKeys)) with
        | key :: head :: _ when not heads.IsEmpty && not (List.contains head heads) ->
            let closest = match Suggestions.Closest(head, heads) with null -> "" | c -> sprintf "; did you mean '%s'?" c
            Some(sprintf "'%s' is not a head of %s's model (heads: %s)%s" head baseFile (String.Join(", ", heads)) closest)
        | _ -> None

    let at (path: string list) (note: string option) =
        match checkHead path with
        | Some problem -> KeyResolution.Error(sprintf "%s: %s" (dotted path) problem)
        | None ->
            match YamlKeyTree.Blocker(root, Array.ofList path) with
            | null -> KeyResolution.At(Array.ofList path, Option.toObj note)
            | blocker ->
                KeyResolution.Error(
                    sprintf "'%s' is a single value in %s, so '%s' has nowhere to go; sweep '%s' itself, or make it a map in the base" blocker baseFile (dotted path) blocker)

    let resolve (name: string) =
        let segments = name.Split '.' |> List.ofArray
        let first, rest = List.head segments, List.tail segments
        if rest.IsEmpty && List.contains first encoderKeys then
            KeyResolution.NotSwept("keys of the reference's video encoder, loader, AMP or W&B set-up, which precomputed embeddings do not use")
        else
        match YamlKeyTree.Follow(root, Array.ofList segments) with
        | :? YamlMappingNode when List.contains (List.last segments) perHeadKeys -> at segments (Some "one value for every head")
        | :? YamlMappingNode when aliases.ContainsKey name -> at aliases.[name] (Some(sprintf "the reference's '%s' is %s here" name (dotted aliases.[name])))
        | :? YamlMappingNode ->
            KeyResolution.Error(sprintf "'%s' is a section of %s; sweep one of its keys (%s.<key>)" name baseFile name)
        | null ->
            match YamlKeyTree.FindBelowTop(root, Array.ofList segments) |> List.ofSeq with
            | [ path ] -> at (List.ofArray path) None
            | _ :: _ as paths ->
                KeyResolution.Error(
                    sprintf "'%s' matches several keys of %s (%s); name one in full" name baseFile (String.Join(", ", paths |> List.map dotted)))
            | [] ->
                let inSection = sections |> List.filter (fun (_, keys) -> List.contains first keys) |> List.map fst
                match aliases.TryFind first, inSection with
                | Some target, _ ->
                    let renamed = if List.last target = first then "" else sprintf " (the reference's '%s')" first
                    at (target @ rest) (Some(sprintf "not in %s; set at %s%s" baseFile (dotted (target @ rest)) renamed))
                | None, [ "model_config" ] when not hasModelConfig ->
                    KeyResolution.Error(sprintf "a model key, but %s gives its model as a file (model:); sweep it in a base with model_config" baseFile)
                | None, [ section ] -> at (section :: segments) (Some(sprintf "not in %s; set at %s" baseFile (dotted (section :: segments))))
                | None, _ ->
                    let hint =
                        match Suggestions.Closest(name, known) with
                        | null -> sprintf "no section reads it (%s)" (String.Join(", ", sections |> List.map fst))
                        | closest -> sprintf "did you mean '%s'?" closest
                    KeyResolution.Error(sprintf "not a key of %s (this project's training config): %s" baseFile hint)
        | _ -> at segments None

    interface IParameterKeySpace with
        member _.Layout = "this project's training config"
        member _.PathKeys = pathKeys
        member _.Resolve(name) = resolve name
