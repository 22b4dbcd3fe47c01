/// Reading config values with located diagnostics, in one wording for every config file: numbers and booleans are
/// written unquoted (or tagged `!!int`, `!!float`, `!!bool`), a quoted or `!!str` value is text, and a wrong value
/// reads "key: expected X but found Y" at its line and column.
module DeepCoro.Config.ConfigReader

open System
open System.Collections.Generic
open System.IO
open YamlDotNet.Core
open YamlDotNet.RepresentationModel
open DeepCoro.Spec
open DeepCoro.Yaml

let private describeNode (node: YamlNode) =
    match node with
    | :? YamlScalarNode as s when s.Style = ScalarStyle.Plain && YamlTags.Of s <> YamlTags.Str -> sprintf "'%s'" s.Value
    | :? YamlScalarNode as s -> sprintf "the string '%s'" s.Value
    | :? YamlMappingNode -> "a map"
    | :? YamlSequenceNode -> "a list"
    | _ -> "an alias"

/// The one wording of config files.
let wording =
    YamlWording(
        PlainScalarsOnly = true,
        ChoicesIgnoreCase = true,
        Expected = fun what expected found -> sprintf "%s: expected %s but found %s" what expected (describeNode found)
    )

/// A config file being read: typed reads return None after reporting where the value stands and what was expected.
type ConfigReader(file: string) =
    inherit YamlDocumentReader(file, wording)

    member r.Int(key: string, node: YamlNode) = r.Int(node, key) |> Option.ofNullable

    member r.Float(key: string, node: YamlNode) = r.Float(node, key) |> Option.ofNullable

    member r.Bool(key: string, node: YamlNode) = r.Bool(node, key) |> Option.ofNullable

    member r.Text(key: string, node: YamlNode) = r.String(node, key) |> Option.ofObj

    /// A number its rule allows (OptionRules: the rule, and the words, of the command line's flags too); an integer
    /// when the rule says so.
    member r.Ruled(rule: OptionRules.Rule, key: string, node: YamlNode) =
        (if rule.Integer then r.Int(key, node) |> Option.map float else r.Float(key, node))
        |> Option.filter (fun x ->
            match OptionRules.violation rule x with
            | None -> true
            | Some why ->
                r.Error(node, sprintf "%s: %s" key why)
                false)

    /// A count of at least `least` (and at most OptionRules.maxCount).
    member r.IntAtLeast(least: int, key: string, node: YamlNode) =
        r.Ruled({ OptionRules.count with Low = OptionRules.Inclusive(float least) }, key, node) |> Option.map int

    /// A finite number in [low, high] (the high bound open where the flag says so).
    member r.Between(low: float, high: float, openHigh: bool, key: string, node: YamlNode) =
        let high = if openHigh then OptionRules.Exclusive high else OptionRules.Inclusive high
        r.Ruled({ Integer = false; Low = OptionRules.Inclusive low; High = high }, key, node)

    /// A finite number >= 0 (rates, decays, weights).
    member r.NonNegative(key: string, node: YamlNode) = r.Ruled(OptionRules.nonNegative, key, node)

    /// A finite number > 0.
    member r.Positive(key: string, node: YamlNode) = r.Ruled(OptionRules.positive, key, node)

    /// One of named choices; an unknown name is reported with the closest.
    member r.Choice(key: string, choices: (string * 'T) list, node: YamlNode) =
        match r.TryChoice(node, key, choices |> List.map KeyValuePair) with
        | true, x -> Some x
        | _ -> None

    /// The entries of a map in file order (a repeated key follows the reader's rule).
    member r.Entries(key: string, node: YamlNode) : YamlEntry list =
        match r.Map(node, key) with
        | null -> []
        | m -> List.ofSeq m.Entries

    /// A list of names, or one name for a list of one (DeepCORO_CLIP's target_label takes either).
    member r.Texts(key: string, node: YamlNode) =
        match node with
        | :? YamlSequenceNode as s ->
            let items = [ for item in s.Children -> r.Text(key, item) ]
            if List.forall Option.isSome items then Some(List.choose id items) else None
        | _ -> r.Text(key, node) |> Option.map List.singleton

    /// A per-head value: a map head -> value, or one value for every head. Heads that the model lacks are reported.
    member r.PerHead(key: string, node: YamlNode, heads: string list, read: string -> YamlNode -> 'T option) : Map<string, 'T> =
        match node with
        | :? YamlScalarNode ->
            read key node |> Option.map (fun v -> heads |> List.map (fun h -> h, v) |> Map.ofList) |> Option.defaultValue Map.empty
        | _ ->
            r.Entries(key, node)
            |> List.choose (fun e ->
                if List.contains e.Key heads then
                    read (sprintf "%s.%s" key e.Key) e.Value |> Option.map (fun v -> e.Key, v)
                else
                    r.Error(
                        e.KeyNode,
                        DiagnosticCodes.InvalidValue,
                        sprintf "%s: '%s' is not a head of the model; %s" key e.Key (Suggestions.Hint(e.Key, heads))
                    )
                    None)
            |> Map.ofList

    /// A path, made absolute against `baseDir` when relative.
    member r.Path(key: string, node: YamlNode, baseDir: string) =
        r.Text(key, node) |> Option.map (fun p -> if Path.IsPathRooted p then p else Path.GetFullPath(Path.Combine(baseDir, p)))
