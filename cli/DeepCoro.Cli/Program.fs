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
    | [<CliPrefix(CliPrefix.None)>] Cv of ParseResults<CvCommand.CvArgs>
    | [<CliPrefix(CliPrefix.None)>] Embed of ParseResults<EmbedCommand.EmbedArgs>
    | [<CliPrefix(CliPrefix.None)>] Explain of ParseResults<ExplainCommand.ExplainArgs>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<ReportCommand.ReportArgs>
    | [<CliPrefix(CliPrefix.None)>] Compare of ParseResults<CompareCommand.CompareArgs>

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
            | Cv _ ->
                "K-fold cross-validation (patient-grouped, stratified): a run per fold, out-of-fold predictions, a test ensemble, metrics with intervals."
            | Embed _ -> "videos through a TorchScript encoder: one token file per video, resumable, shardable."
            | Explain _ -> "the best model's attention for chosen studies, as pictures (across videos per head, within videos over tokens)."
            | Report _ -> "a self-contained HTML report of a run (curves, metrics with intervals, evaluation plots, attention) or a sweep."
            | Compare _ ->
                "two models' predictions of the same studies: DeLong's paired AUC test and a paired bootstrap interval of a metric's difference."

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
    | Cv a -> CvCommand.run a
    | Embed a -> EmbedCommand.run a
    | Explain a -> ExplainCommand.run a
    | Report a -> ReportCommand.run a
    | Compare a -> CompareCommand.run a

/// The verbs whose output flag was `--out` before it became `--output` everywhere: the old name still works for one
/// release, with a warning, and is hidden from usage.
let private renamedOut = set [ "demo"; "explain"; "embed"; "synth"; "predict"; "import" ]

/// The product's version, as the package and `--version` state it.
let version () =
    let assembly = Reflection.Assembly.GetExecutingAssembly()
    match Reflection.CustomAttributeExtensions.GetCustomAttribute<Reflection.AssemblyInformationalVersionAttribute> assembly with
    | null -> string (assembly.GetName().Version)
    | a -> a.InformationalVersion

/// The names a (sub)command accepts after the words that chose it (for `sweep init`, init's flags), and those words.
let rec private namesAfter (parser: ArgumentParser) (chosen: string list) (words: string list) =
    let sub =
        match words with
        | word :: rest ->
            parser.GetSubCommandParsers()
            |> List.tryFind (fun p -> p.ParentInfo |> Option.exists (fun i -> List.contains word i.CommandLineNames.Value))
            |> Option.map (fun p -> p, word, rest)
        | [] -> None
    match sub with
    | Some(p, word, rest) -> namesAfter p (chosen @ [ word ]) rest
    | None ->
        parser.GetArgumentCases() |> List.filter (fun c -> not c.IsHidden.Value) |> List.collect (fun c -> c.CommandLineNames.Value), chosen

/// "did you mean" for a flag or verb Argu did not recognise, or None when Argu's own message is the better one. A
/// known name the word begins (`--out` for `--output`) is the likeliest meaning, else the nearest by edits.
let private unknownWord (parser: ArgumentParser<Verb>) (argv: string array) (message: string) =
    let found = Text.RegularExpressions.Regex.Match(message, "unrecognized argument: '([^']*)'")
    if not found.Success then
        None
    else
        let word = found.Groups[1].Value
        let before = argv |> Array.takeWhile (fun a -> a <> word) |> Array.filter (fun a -> not (a.StartsWith "-")) |> List.ofArray
        let names, chosen = namesAfter parser [] before
        let names = if chosen.IsEmpty then "--version" :: names else names
        let known = names |> List.filter (fun n -> n.StartsWith "-" = word.StartsWith "-")
        let where = String.concat " " ("deepcoro" :: chosen)
        let what =
            if word.StartsWith "-" then "flag"
            elif chosen.IsEmpty then "verb"
            else "argument"
        let closest =
            match known |> List.filter (fun n -> n.StartsWith word) |> List.sortBy String.length with
            | first :: _ -> first
            | [] -> DeepCoro.Spec.Suggestions.Closest(word, known)
        let hint =
            match closest with
            | null -> sprintf "%s --help lists them" where
            | closest -> sprintf "did you mean '%s'? (%s --help lists them)" closest where
        Some(sprintf "%s: unknown %s '%s'; %s" where what word hint)

/// The command line as the parser takes it: `-h` for `--help`; the old `--out` as `--output`, with a warning.
let private normalise (argv: string array) =
    let renamed = argv.Length > 0 && renamedOut.Contains argv[0] && Array.contains "--out" argv
    if renamed then
        eprintfn "warning: --out is deprecated; use --output (--out goes in the next release)"
    argv
    |> Array.map (fun a ->
        match a with
        | "-h" -> "--help"
        | "--out" when renamed -> "--output"
        | _ -> a)

/// Runs one command line; returns the exit code (the tests call this directly).
let execute (argv: string array) =
    let parser = ArgumentParser.Create<Verb>(programName = "deepcoro")
    try
        if argv = [| "--version" |] then
            printfn "deepcoro %s" (version ())
        else
            dispatch (parser.ParseCommandLine(normalise argv, raiseOnUsage = true))
        ExitCode.ok
    with
    | :? ArguParseException as e ->
        match unknownWord parser argv e.Message with
        | Some message -> eprintfn "error: %s" message
        | None -> eprintfn "%s" e.Message
        if e.ErrorCode = ErrorCode.HelpText then ExitCode.ok else ExitCode.usage
    | UsageFailure message ->
        eprintfn "error: %s" message
        ExitCode.usage
    | :? DeepCoro.Runtime.Evaluation.PredictionFileException as p ->
        eprintfn "error: %s" p.Message
        CompareCommand.exitCode p.Problem
    | Interrupted(message, signal) ->
        eprintfn "%s" message
        ExitCode.interrupted signal
    | e ->
        match userMessage e with
        | Some message ->
            eprintfn "error: %s" message
            ExitCode.failure
        | None -> reraise ()

/// libtorch's OpenMP workers sleep between ops unless the user says otherwise: set before anything loads libtorch.
[<EntryPoint>]
let main argv =
    DeepCoro.Runtime.OpenMpWaiting.PreferPassive() |> ignore
    execute argv
