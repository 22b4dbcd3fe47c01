/// Checks a trial's config before launch as `deepcoro train` will read it (its layout, the sweep's read options such
/// as --as-reference-built), so a trial the spec checks reject (6 attention heads over a width of 512: DC0003) is
/// recorded as invalid instead of run; and checks once, before a sweep starts, that its metric is one the runs log.
module DeepCoro.Config.SweepValidation

open System
open DeepCoro.Spec
open DeepCoro.Config
open DeepCoro.Runtime.Sweeps
open DeepCoro.Runtime.Training

/// What `read` gives, or the config's problems in one line.
let private attempt (read: unit -> 'T) : Result<'T, string> =
    try
        Ok(read ())
    with
    | :? ConfigError.ConfigError as e -> Error(e.Diagnostics |> List.map string |> String.concat "; ")
    | e ->
        match UserError.messageOf e with
        | Some message -> Error message
        | None -> reraise ()

type Validator(options: ConfigFile.ReadOptions) =
    interface ITrialValidator with
        member _.Check(configPath, configText) =
            // a trial command of the user's own reads the config its way: only the model is this product's to check
            let check () =
                if options.ModelOnly then
                    ConfigFile.read configPath configText options |> ignore
                else
                    TrainConfig.parseWith configPath configText options |> ignore
            match attempt check with
            | Ok() -> null
            | Error problem -> problem

/// Why `deepcoro train` could never report the sweep's metric for this base config, or None; a base that does not
/// read is named with its problems. Checked before the sweep starts, so it fails once, not in every trial.
let metricProblem (sweepFile: string) (basePath: string) (baseText: string) (options: ConfigFile.ReadOptions) (metric: string) =
    match attempt (fun () -> TrainConfig.parseWith basePath baseText options) with
    | Error problem -> Some problem
    | Ok config ->
        let logged = List.ofSeq (Trainer.RunMetricKeys config.Spec)
        if List.contains metric logged then
            None
        else
            let validation = List.ofSeq (Trainer.MetricKeys(config.Spec, "val"))
            let hint =
                match Suggestions.Closest(metric, logged) with
                | null when validation.Length <= 8 ->
                    sprintf "it logs %s, best_val_loss, and the same under train/" (String.Join(", ", validation))
                | null ->
                    sprintf
                        "it logs val/main_loss, best_val_loss and val/<head>_<metric> for each head (e.g. %s), and the same under train/"
                        validation.Head
                | closest -> sprintf "did you mean '%s'?" closest
            Some(
                sprintf
                    "%s: metric.name '%s' is not a metric `deepcoro train` logs for the model of %s; %s"
                    sweepFile
                    metric
                    (IO.Path.GetFileName basePath)
                    hint
            )

/// Whether a flattened run option ("Train.Optimizer.HeadLr.cathEF") is a rate or decay, which counts only through
/// the parameter groups it gives.
let private isRateKey (key: string) =
    match key.Split '.' with
    | [| "Train"; "Optimizer"; name |]
    | [| "Train"; "Optimizer"; name; _ |] -> name.EndsWith "Lr" || name.EndsWith "WeightDecay"
    | _ -> false

/// What a resolved run depends on: its model, its options (rates and decays through the groups) and each parameter
/// group's rate, decay and modules.
let private effect (config: TrainConfig.TrainConfig) =
    let groups = [
        for g in ParameterGroups.Plan(config.Plan, config.Train.Optimizer) ->
            sprintf "%s %g %g %s" g.Name g.Lr g.WeightDecay (String.Join(",", g.Modules))
    ]
    let options =
        Text.Json.JsonSerializer.Deserialize<Collections.Generic.SortedDictionary<string, string>>(
            RunOptions.Canonical(config.Train, config.Data, ".")
        )
        |> Seq.filter (fun kv -> not (isRateKey kv.Key))
        |> Seq.map (fun kv -> kv.Key + "=" + kv.Value)
        |> List.ofSeq
    SpecJson.Write config.Spec, options, groups

/// The key that gives a parameter group its rate (or decay) instead of the global `lr` (`weight_decay`), as
/// ParameterGroups chooses it; None when the group takes the global one.
let private shadowOf (o: OptimizerOptions) (decay: bool) (group: string) =
    let key (rate: ConfigKeys.Setting) (decayKey: ConfigKeys.Setting) = Some (if decay then decayKey else rate).Name
    let pick (rate: Nullable<float>) (decayValue: Nullable<float>) = if decay then decayValue.HasValue else rate.HasValue
    let attention = pick o.AttentionLr o.AttentionWeightDecay
    let across = pick o.AttentionAcrossLr o.AttentionAcrossWeightDecay
    let within = pick o.AttentionWithinLr o.AttentionWithinWeightDecay
    match group with
    | g when g.StartsWith "head:" ->
        let head = g.Substring 5
        if (if decay then o.HeadWeightDecay else o.HeadLr).ContainsKey head then
            key ConfigKeys.Keys.headLr ConfigKeys.Keys.headWeightDecay |> Option.map (fun k -> k + "." + head)
        else
            None
    | "attention" when attention -> key ConfigKeys.Keys.attentionLr ConfigKeys.Keys.attentionWeightDecay
    | "cls_across" when across -> key ConfigKeys.Keys.attentionAcrossLr ConfigKeys.Keys.attentionAcrossWeightDecay
    | "cls_within" when within -> key ConfigKeys.Keys.attentionWithinLr ConfigKeys.Keys.attentionWithinWeightDecay
    | "cls_within" when across -> key ConfigKeys.Keys.attentionAcrossLr ConfigKeys.Keys.attentionAcrossWeightDecay
    | "cls_across"
    | "cls_within" when attention -> key ConfigKeys.Keys.attentionLr ConfigKeys.Keys.attentionWeightDecay
    | "view_embedding" when pick o.ViewEmbeddingLr o.ViewEmbeddingWeightDecay ->
        key ConfigKeys.Keys.viewEmbeddingLr ConfigKeys.Keys.viewEmbeddingWeightDecay
    | _ -> None

/// Two or more values of a swept parameter that a sweep may try, or none when it has only one.
let private probeValues (p: SweepParameter) =
    let values =
        if p.IsCategorical then [ for v in p.Values -> if isNull v then null else v.DeepClone() ] else [ p.FromUnit 0.1; p.FromUnit 0.9 ]
    let distinct = values |> List.distinctBy (fun v -> if isNull v then "null" else v.ToJsonString())
    if distinct.Length > 1 then distinct else []

/// One warning per swept parameter that no value changes the resolved run of the base with (every trial would be
/// the same run), naming what shadows it: for `lr` or `weight_decay`, the keys that give every parameter group its
/// own rate or decay.
let ineffective (sweepFile: string) (config: SweepConfig) (basePath: string) (options: ConfigFile.ReadOptions) = [
    for struct (p, resolution) in config.Resolutions do
        if resolution.Kind = KeyResolutionKind.Swept then
            let read (v: Text.Json.Nodes.JsonNode) =
                let values = Text.Json.Nodes.JsonObject()
                values[p.Name] <- v
                attempt (fun () -> TrainConfig.parseWith basePath (config.Merge(values, "probe")) options)
            let runs = probeValues p |> List.map read
            match runs with
            | Ok first :: rest when not rest.IsEmpty && rest |> List.forall (fun r -> r |> Result.exists (fun c -> effect c = effect first)) ->
                let key = resolution.Path |> Seq.last
                let groups = ParameterGroups.Plan(first.Plan, first.Train.Optimizer) |> List.ofSeq
                let why =
                    match key with
                    | _ when key = ConfigKeys.Keys.lr.Name || key = ConfigKeys.Keys.weightDecay.Name ->
                        let decay = key = ConfigKeys.Keys.weightDecay.Name
                        let shadows =
                            groups
                            |> List.choose (fun g -> shadowOf first.Train.Optimizer decay g.Name |> Option.map (sprintf "%s by %s" g.Name))
                        sprintf
                            "every parameter group has its own %s (%s)"
                            (if decay then "weight decay" else "learning rate")
                            (String.concat ", " shadows)
                    | _ -> "the model, the training options and the parameter groups come out the same for every value"
                yield
                    sprintf
                        "%s: warning: parameter '%s' cannot change the run of %s: %s; its trials would all be the same run"
                        sweepFile
                        p.Name
                        (IO.Path.GetFileName basePath)
                        why
            | _ -> ()
]
