/// Where sweep parameters land in a base config, by its layout, from the one key table (ConfigKeys) the readers use:
/// this product's sections (a parameter goes where the base has it, else to the one section that reads it), or
/// DeepCORO_CLIP's flat keys (W&B run settings and keys of its video encoder are warned about and not swept, as W&B
/// would have passed them to a script that ignores them here). Anything else is an error with the closest known key,
/// before any trial runs.
module DeepCoro.Config.SweepKeySpace

open System
open System.IO
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Runtime.Sweeps
open DeepCoro.Config.Settings
open DeepCoro.Config.ConfigKeys

/// Every key of a setting, in any layout.
let private spellings (s: Setting) = s.Flat @ List.map snd s.Nested @ s.ModelFile

/// Keys that hold one value per head (a map of heads, or one value for all).
let private perHeadKeys = all |> List.filter (fun s -> s.PerHead) |> List.collect spellings |> List.distinct

/// Keys whose relative values are paths (a trial config lives in the sweep directory, so they are made absolute).
let pathKeys = all |> List.filter (fun k -> k.IsPath) |> List.collect spellings |> List.distinct |> Array.ofList

let private dotted (path: string seq) = String.Join(".", path)

let private rootOf (baseFile: string) (baseText: string) = SweepConfig.ParseRoot(baseFile, baseText)

/// The layout of a base config, for choosing its key space and the folder its relative paths start from.
let layoutOf (baseFile: string) (baseText: string) = ConfigFile.layoutOf (rootOf baseFile baseText)

type TrainingKeySpace(baseFile: string, baseText: string) =
    let root = rootOf baseFile baseText
    let layout = ConfigFile.layoutOf root
    let sections = ConfigKeys.sections |> List.filter (fun s -> s <> "model") |> List.map (fun s -> s, keysOf Nested s)
    let flat = keysOf Reference ""

    let heads =
        match YamlKeyTree.Follow(root, Array.ofList (Keys.headStructure.PathIn layout).Value) with
        | :? YamlMappingNode as m ->
            m.Children.Keys
            |> Seq.choose (function
                | :? YamlScalarNode as s -> Some s.Value
                | _ -> None)
            |> List.ofSeq
        | _ -> []

    let hasEncoder =
        let layout = if layout = Reference then Reference else Nested
        not (isNull (YamlKeyTree.Follow(root, Array.ofList (Keys.encoderPath.PathIn layout).Value)))

    let encoderAbsent =
        "keys of the video encoder, honoured only when the base trains one (video_encoder_torchscript or encoder.path); trials still run"

    let known =
        if layout = Reference then
            flat |> List.map fst
        else
            [
                for s, keys in sections do
                    for key, _ in keys -> s + "." + key
            ]
            @ [
                for _, keys in sections do
                    for key, _ in keys -> key
            ]
        |> List.distinct

    /// Per-head keys name a head of the model as their second key.
    let checkHead (path: string list) =
        match path |> List.skipWhile (fun k -> not (List.contains k perHeadKeys)) with
        | _ :: head :: _ when not heads.IsEmpty && not (List.contains head heads) ->
            let closest =
                match Suggestions.Closest(head, heads) with
                | null -> ""
                | c -> sprintf "; did you mean '%s'?" c
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
                    sprintf
                        "'%s' is a single value in %s, so '%s' has nowhere to go; sweep '%s' itself, or make it a map in the base"
                        blocker
                        baseFile
                        (dotted path)
                        blocker
                )

    let unknown (name: string) (where: string) =
        let hint =
            match Suggestions.Closest(name, known) with
            | null -> "docs/config-keys.md lists the keys"
            | closest -> sprintf "did you mean '%s'?" closest
        KeyResolution.Error(sprintf "not a key of %s (%s): %s" baseFile where hint)

    /// Why a key of DeepCORO_CLIP's layout, or of the encoder section, is not swept in this base; None when it is.
    let notSwept (key: Setting) =
        match key.Status with
        | Ignored why -> Some why
        | EncoderOnly -> Some "keys of DeepCORO_CLIP's video encoder or augmentation, which stored embeddings do not use (trials still run)"
        | WithEncoder when not hasEncoder -> Some encoderAbsent
        | _ -> None

    /// The key of this product's layout that a DeepCORO_CLIP key is (its row's nested spelling), when it has one.
    let counterpart (key: Setting) =
        match key.Nested with
        | (section, target) :: _ when section <> "" -> Some(section, target)
        | _ -> None

    /// DeepCORO_CLIP's flat keys: the status of the key's row decides.
    let resolveFlat (segments: string list) =
        match flat |> List.tryFind (fun (name, _) -> name = List.head segments) with
        | None -> unknown (dotted segments) "DeepCORO_CLIP's layout"
        | Some(_, key) ->
            match notSwept key with
            | Some why -> KeyResolution.NotSwept why
            | None -> at segments None

    /// This product's sections: where the base has the key, else the one section that reads it, else the section
    /// key a DeepCORO_CLIP name stands for (scheduler_name: scheduler.name), so the reference's sweep files fit.
    let resolveNested (name: string) (segments: string list) =
        let first, rest = List.head segments, List.tail segments
        match YamlKeyTree.Follow(root, Array.ofList segments) with
        | :? YamlMappingNode when List.contains (List.last segments) perHeadKeys -> at segments (Some "one value for every head")
        | :? YamlMappingNode ->
            // DeepCORO_CLIP's `optimizer` names the optimizer, a key of the section of that name here
            match flat |> List.tryFind (fun (name, _) -> name = first) |> Option.bind (snd >> counterpart) with
            | Some(section, target) when rest.IsEmpty ->
                at [ section; target ] (Some(sprintf "DeepCORO_CLIP's '%s' is %s.%s here" first section target))
            | _ -> KeyResolution.Error(sprintf "'%s' is a section of %s; sweep one of its keys (%s.<key>)" name baseFile name)
        | null ->
            match YamlKeyTree.FindBelowTop(root, Array.ofList segments) |> List.ofSeq with
            | [ path ] -> at (List.ofArray path) None
            | _ :: _ as paths ->
                KeyResolution.Error(
                    sprintf
                        "'%s' matches several keys of %s (%s); name one in full"
                        name
                        baseFile
                        (String.Join(", ", paths |> List.map dotted))
                )
            | [] ->
                let inSections =
                    sections
                    |> List.choose (fun (s, keys) ->
                        keys |> List.tryFind (fun (name, _) -> name = first) |> Option.map (fun (_, k) -> s, k))
                let reference = flat |> List.tryFind (fun (name, _) -> name = first) |> Option.map snd
                match inSections, reference with
                | [ section, key ], _ ->
                    match notSwept key, section with
                    | Some why, _ -> KeyResolution.NotSwept why
                    | None, "model_config" when isNull (YamlKeyTree.Follow(root, [| "model_config" |])) ->
                        KeyResolution.Error(
                            sprintf "a model key, but %s gives its model as a file (model:); sweep it in a base with model_config" baseFile
                        )
                    | None, _ -> at (section :: segments) (Some(sprintf "not in %s; set at %s" baseFile (dotted (section :: segments))))
                | [], Some key ->
                    match notSwept key, counterpart key with
                    | Some why, _ -> KeyResolution.NotSwept why
                    | None, Some(section, target) ->
                        at (section :: target :: rest) (Some(sprintf "DeepCORO_CLIP's '%s' is %s.%s here" first section target))
                    | None, None -> unknown name "this product's training config"
                | _ -> unknown name "this product's training config"
        | _ -> at segments None

    member _.Layout = layout

    interface IParameterKeySpace with
        member _.Layout = if layout = Reference then "DeepCORO_CLIP's flat config" else "this product's training config"
        member _.PathKeys = pathKeys
        member _.Resolve(name) =
            let segments = name.Split '.' |> List.ofArray
            if layout = Reference then resolveFlat segments else resolveNested name segments
