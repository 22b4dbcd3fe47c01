/// Checks a trial's config before launch with the same import the training verbs use, so a trial the spec
/// checks reject (6 attention heads over a width of 512: DC0003) is recorded as invalid instead of run.
module DeepCoro.Cli.SweepValidation

open System.IO
open DeepCoro.Dsl
open DeepCoro.Runtime.Sweeps

type Validator() =
    interface ITrialValidator with
        member _.Check(configPath, configText) =
            try
                DeepCoroConfig.import (Path.GetFileName configPath) configText |> ignore
                null
            with :? DeepCoroConfig.ConfigError as e ->
                e.Diagnostics |> List.map string |> String.concat "; "
