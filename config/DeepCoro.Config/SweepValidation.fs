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
