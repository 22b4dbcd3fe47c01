/// The `deepcoro` command line: one verb per job, errors as one line and a non-zero exit code.
module DeepCoro.Cli.Program

open System
open Argu
open DeepCoro.Config.UserError
open DeepCoro.Cli.CliError

type Verb =
    | [<CliPrefix(CliPrefix.None)>] Demo of ParseResults<DemoCommand.DemoArgs>
    | [<CliPrefix(CliPrefix.None)>] Run of ParseResults<RunCommand.RunArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainCommands.TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Eval of ParseResults<TrainCommands.EvalArgs>
    | [<CliPrefix(CliPrefix.None)>] Predict of ParseResults<TrainCommands.PredictArgs>
    | [<CliPrefix(CliPrefix.None)>] Evaluate of ParseResults<EvaluateCommand.EvaluateArgs>
    | [<CliPrefix(CliPrefix.None)>] Synth of ParseResults<TrainCommands.SynthArgs>
    | [<CliPrefix(CliPrefix.None)>] Infer of ParseResults<InferCommand.InferArgs>
    | [<CliPrefix(CliPrefix.None)>] Import of ParseResults<ImportCommand.ImportArgs>
    | [<CliPrefix(CliPrefix.None)>] Spec of ParseResults<SpecCommand.SpecArgs>
    | [<CliPrefix(CliPrefix.None)>] Bench of ParseResults<BenchCommand.BenchArgs>
    | [<CliPrefix(CliPrefix.None)>] Sweep of ParseResults<SweepCommand.SweepArgs>
    | [<CliPrefix(CliPrefix.None)>] Embed of ParseResults<EmbedCommand.EmbedArgs>
    | [<CliPrefix(CliPrefix.None)>] Explain of ParseResults<ExplainCommand.ExplainArgs>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<ReportCommand.ReportArgs>

    interface IArgParserTemplate with
        member v.Usage =
            match v with
            | Run _ ->
                "run a config as DeepCORO_CLIP's scripts/main.py --base_config does: its run_mode (train, val, test, inference), or --check."
            | Train _ -> "train a probe from a YAML config (checkpoints, metrics, best model, predictions)."
            | Eval _ -> "metrics of a trained run on a split."
            | Predict _ -> "predictions CSV for a manifest from a trained run."
            | Evaluate _ -> "external validation: a run's model and locked thresholds on a new cohort (predictions, metrics, report)."
            | Synth _ -> "write a synthetic dataset with planted signal, plus its config.yaml."
            | Demo _ -> "synthesize a small dataset, train the two-level cls_token probe, print its metrics."
            | Infer _ -> "run a model on saved inputs (outputs, and gradients with --grad)."
            | Import _ -> "convert a DeepCORO_CLIP .pt checkpoint into safetensors weights for a config's model."
            | Spec _ -> "validate a spec or config; print shapes and parameter counts."
            | Bench _ -> "time a training step and an eval forward on synthetic inputs (JSON per kernel)."
            | Sweep _ -> "hyperparameter sweep from a W&B sweep file: local parallel trials, or a Slurm job array."
            | Embed _ -> "videos through a TorchScript encoder: one token file per video, resumable, shardable."
            | Explain _ -> "the best model's attention for chosen studies, as pictures (across videos per head, within videos over tokens)."
            | Report _ -> "a self-contained HTML report of a run (curves, metrics with intervals, evaluation plots, attention) or a sweep."

let private dispatch (results: ParseResults<Verb>) =
    match results.GetSubCommand() with
    | Run a -> RunCommand.run a
    | Train a -> TrainCommands.runTrain a
    | Eval a -> TrainCommands.runEval a
    | Predict a -> TrainCommands.runPredict a
    | Evaluate a -> EvaluateCommand.run a
    | Synth a -> TrainCommands.runSynth a
    | Demo a -> DemoCommand.run a
    | Infer a -> InferCommand.run a
    | Import a -> ImportCommand.run a
    | Spec a -> SpecCommand.run a
    | Bench a -> BenchCommand.run a
    | Sweep a -> SweepCommand.run a
    | Embed a -> EmbedCommand.run a
    | Explain a -> ExplainCommand.run a
    | Report a -> ReportCommand.run a

/// Runs one command line; returns the exit code (the tests call this directly).
let execute (argv: string array) =
    let parser = ArgumentParser.Create<Verb>(programName = "deepcoro")
    try
        dispatch (parser.ParseCommandLine(argv, raiseOnUsage = true))
        ExitCode.ok
    with
    | :? ArguParseException as e ->
        eprintfn "%s" e.Message
        if e.ErrorCode = ErrorCode.HelpText then ExitCode.ok else ExitCode.usage
    | UsageFailure message ->
        eprintfn "error: %s" message
        ExitCode.usage
    | Interrupted(message, signal) ->
        eprintfn "%s" message
        ExitCode.interrupted signal
    | e ->
        match messageOf e with
        | Some message ->
            eprintfn "error: %s" message
            ExitCode.failure
        | None -> reraise ()

[<EntryPoint>]
let main argv = execute argv
