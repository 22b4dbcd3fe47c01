/// `deepcoro cv`: K-fold cross-validation over the studies of the training and validation splits, grouped by patient
/// and stratified on a head when asked; each fold an ordinary run directory, the out-of-fold predictions, the fold
/// ensemble on the test split and a summary with intervals gathered at the end (docs/cross-validation.md).
module DeepCoro.Cli.CvCommand

open System
open System.Diagnostics
open System.IO
open System.Security.Cryptography
open Argu
open DeepCoro.Spec
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.CrossValidation
open DeepCoro.Runtime.IO
open DeepCoro.Config
open DeepCoro.Config.UserError
open DeepCoro.Cli.CliError

type CvArgs =
    | [<Mandatory; Unique>] Config of path: string
    | [<Mandatory; Unique>] Folds of int
    | [<Mandatory; Unique>] Output of dir: string
    | [<Unique>] Group_By of column: string
    | [<Unique>] Stratify of head: string
    | [<Unique>] Repeats of int
    | Set of key_value: string
    | [<Unique>] Seed of int
    | [<Unique>] Parallel of int
    | [<Unique>] Device of string
    | [<Unique>] Task of int
    | Emit_Slurm
    | [<Unique>] Partition of name: string
    | [<Unique>] Time of limit: string
    | [<Unique>] Cpus of count: int
    | [<Unique>] Mem of size: string
    | [<Unique>] Gpus of count: int
    | [<Unique>] Subgroups of columns: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Config _ ->
                "training config in this product's layout (docs/training.md); its data.split_column's train and val studies are folded."
            | Folds _ -> "K, the number of folds (at least 2, at most the number of groups)."
            | Output _ -> "the cross-validation directory; run the same command again to resume."
            | Group_By _ -> "column naming each study's group (patient): a group's studies share a fold (default data.group_column)."
            | Stratify _ -> "a binary or multiclass head whose label the folds balance."
            | Repeats _ -> "repeats of the K folds, each with another shuffle (default 1)."
            | Set _ -> "key=value override of the config, for every fold (repeatable), e.g. --set training.epochs=5."
            | Seed _ -> "seed of the fold assignment (default 0); the runs keep training.seed."
            | Parallel _ -> "folds trained at once, as processes on this machine (default 1); with --emit-slurm the array's % limit."
            | Device _ -> "override training.device for every fold."
            | Task _ -> "train only task i (fold i mod K of repeat i div K): what --parallel's processes and the Slurm array run."
            | Emit_Slurm -> "write the folds and DIR/cv.sbatch, an array with one fold per task, instead of training."
            | Partition _ -> "Slurm partition."
            | Time _ -> "Slurm time limit per fold, e.g. 08:00:00."
            | Cpus _ -> "Slurm CPUs per fold."
            | Mem _ -> "Slurm memory per fold, e.g. 32G."
            | Gpus _ -> "Slurm GPUs per fold."
            | Subgroups _ ->
                "also the pooled out-of-fold metrics per head and subgroup of the manifest's columns, per repeat, e.g. sex,age:50,65,80."

/// What one cv command asks for, checked.
type private Request = {
    ConfigPath: string
    Folds: int
    Repeats: int
    GroupBy: string option
    Stratify: string option
    Sets: string list
    Seed: int
    Device: string option
    Dir: CrossValidationDirectory
}

let private sha256 (path: string) = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes path)).ToLowerInvariant()

let private readOptions (sets: string list) = { ConfigFile.defaultOptions with Overrides = sets |> List.map ConfigFile.parseOverride }

/// The overrides a fold's run is read with: the user's, the group column, and the fold's split file.
let private foldSets (req: Request) (fold: int) (repeat: int) =
    req.Sets
    @ (req.GroupBy |> Option.map (sprintf "data.group_column=%s") |> Option.toList)
    @ [ sprintf "data.split_file=%s" (Path.GetFullPath(req.Dir.SplitFile(fold, repeat))) ]

/// Trains (or resumes) one fold in this process; a finished fold is left as it is.
let private trainFold (req: Request) (task: int) =
    let fold, repeat = task % req.Folds, task / req.Folds
    if req.Dir.Finished(fold, repeat) then
        printfn "fold %d of repeat %d: finished earlier (%s)" fold repeat (req.Dir.Run(fold, repeat))
    else
        let options = readOptions (foldSets req fold repeat)
        let config = RunAccess.loadConfig req.ConfigPath options
        let resume = req.Dir.Started(fold, repeat)
        printfn "fold %d of repeat %d: %s %s" fold repeat (if resume then "resuming" else "training") (req.Dir.Run(fold, repeat))
        TrainCommands.trainConfig config options (req.Dir.Run(fold, repeat)) resume None req.Device |> ignore

/// The cv command line of this request, for a child process or a Slurm task (which add --task).
let private commandOf (req: Request) =
    SweepCommand.deepcoroCommand ()
    @ [ "cv"; "--config"; Path.GetFullPath req.ConfigPath; "--folds"; string req.Folds; "--output"; Path.GetFullPath req.Dir.Path ]
    @ [ "--repeats"; string req.Repeats; "--seed"; string req.Seed ]
    @ (req.GroupBy |> Option.map (fun g -> [ "--group-by"; g ]) |> Option.defaultValue [])
    @ (req.Stratify |> Option.map (fun h -> [ "--stratify"; h ]) |> Option.defaultValue [])
    @ (req.Device |> Option.map (fun d -> [ "--device"; d ]) |> Option.defaultValue [])
    @ (req.Sets |> List.collect (fun s -> [ "--set"; s ]))

/// Runs the pending tasks as child processes, at most `atOnce` at a time, each logging to DIR/logs/task-i.log; fails
/// naming the tasks that failed.
let private runProcesses (req: Request) (tasks: int list) (atOnce: int) =
    Directory.CreateDirectory req.Dir.Logs |> ignore
    let command = commandOf req
    let start task =
        let info = ProcessStartInfo(List.head command, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true)
        for a in List.tail command @ [ "--task"; string task ] do
            info.ArgumentList.Add a
        let log = new StreamWriter(Path.Combine(req.Dir.Logs, sprintf "task-%d.log" task), true, AutoFlush = true)
        let p = new Process(StartInfo = info)
        p.OutputDataReceived.Add(fun e ->
            if not (isNull e.Data) then
                lock log (fun () -> log.WriteLine e.Data))
        p.ErrorDataReceived.Add(fun e ->
            if not (isNull e.Data) then
                lock log (fun () -> log.WriteLine e.Data))
        p.Start() |> ignore
        p.BeginOutputReadLine()
        p.BeginErrorReadLine()
        printfn
            "fold %d of repeat %d: started (pid %d, log %s)"
            (task % req.Folds)
            (task / req.Folds)
            p.Id
            (Path.Combine(req.Dir.Logs, sprintf "task-%d.log" task))
        task, p, log
    let failed = Collections.Generic.List<int * int>()
    let mutable queue = tasks
    let mutable running = []
    while not (List.isEmpty queue && List.isEmpty running) do
        while List.length running < atOnce && not (List.isEmpty queue) do
            running <- start (List.head queue) :: running
            queue <- List.tail queue
        Threading.Thread.Sleep 200
        let ended, still = running |> List.partition (fun (_, p: Process, _) -> p.HasExited)
        for (task, p, log) in ended do
            p.WaitForExit()
            if p.ExitCode <> 0 then
                failed.Add((task, p.ExitCode))
            else
                printfn "fold %d of repeat %d: done" (task % req.Folds) (task / req.Folds)
            p.Dispose()
            log.Dispose()
        running <- still
    if failed.Count > 0 then
        let which =
            failed
            |> Seq.map (fun (t, code) -> sprintf "task %d (exit %d, %s)" t code (Path.Combine(req.Dir.Logs, sprintf "task-%d.log" t)))
            |> String.concat "; "
        fail (sprintf "%d fold(s) failed: %s; run the same command again to resume them" failed.Count which)

/// Checks the request against the config and the manifest and returns the folds: read back from folds.csv when the
/// directory holds them (after checking that it was made with the same request), else assigned and written, cv.json
/// then folds.csv, before any fold trains.
let private foldsOf (req: Request) =
    let config = RunAccess.loadConfig req.ConfigPath (readOptions req.Sets)
    if config.Layout = Settings.Reference then
        fail (
            sprintf
                "%s: cv reads configs in this product's layout (sections data, training...); convert the DeepCORO_CLIP file first (docs/training.md)"
                req.ConfigPath
        )
    let heads = config.Spec.Heads
    let stratify =
        req.Stratify
        |> Option.map (fun name ->
            match heads |> Seq.tryFindIndex (fun h -> h.Name = name) with
            | Some i -> i
            | None ->
                fail (
                    sprintf "--stratify %s: not a head of the model; %s" name (Suggestions.Hint(name, heads |> Seq.map (fun h -> h.Name)))
                ))
    let data =
        match req.GroupBy with
        | Some g -> config.Data.With(groupColumn = g)
        | None -> config.Data
    let manifest =
        Manifest.Read(
            data,
            heads,
            (match config.Spec.ViewEmbedding with
             | null -> 0
             | v -> v.Classes)
        )
    let studies = Seq.append manifest.Train manifest.Val |> Seq.toArray
    if studies.Length = 0 then
        fail (sprintf "%s: no study in the training or validation split; cv folds those splits" data.Manifest)
    let plan =
        CrossValidationPlan(
            sha256 req.ConfigPath,
            req.Folds,
            req.Repeats,
            Option.toObj req.GroupBy,
            Option.toObj req.Stratify,
            req.Seed,
            req.Sets
        )
    let folds = req.Dir.Folds
    match Option.ofObj (CrossValidationPlan.Read req.Dir.Path) with
    | Some existing when File.Exists folds ->
        existing.CheckResume(plan, req.Dir.Path)
        let rows = FoldsFile.Read folds
        let listed = rows |> Seq.filter (fun r -> r.Repeat = 0) |> Seq.map (fun r -> r.StudyId) |> Set.ofSeq
        if listed <> (studies |> Seq.map (fun s -> s.Id) |> Set.ofSeq) then
            fail (
                sprintf
                    "%s: its studies differ from the training and validation studies of %s now; the manifest changed, so choose another --output"
                    folds
                    data.Manifest
            )
        printfn "folds: %s (reused)" folds
        config, data.GroupColumn, rows
    | _ ->
        if File.Exists folds then
            fail (sprintf "%s: exists without %s beside it; choose another --output" folds CrossValidationPlan.FileName)
        let rows = CrossValidationFolds.Make(studies, heads, Option.toNullable stratify, req.Folds, req.Repeats, req.Seed)
        Directory.CreateDirectory req.Dir.Path |> ignore
        plan.Write req.Dir.Path
        FoldsFile.Write(folds, rows)
        let groups = rows |> Seq.map (fun r -> r.Group) |> Seq.distinct |> Seq.length
        printfn "folds: %s (%d studies, %d groups, %d folds x %d repeats)" folds studies.Length groups req.Folds req.Repeats
        config, data.GroupColumn, rows

/// Prints the pooled out-of-fold and ensemble headline metrics of each head (summary.json has them all).
let private printSummary (dir: CrossValidationDirectory) =
    use doc = Text.Json.JsonDocument.Parse(File.ReadAllText dir.Summary)
    let show (label: string) (block: Text.Json.JsonElement) =
        for m in block.GetProperty("metrics").EnumerateObject() do
            let headline = [ "_auc"; "_auprc"; "_accuracy"; "_mae"; "_r2" ]
            if m.Value.ValueKind = Text.Json.JsonValueKind.Object && headline |> List.exists m.Name.EndsWith then
                let v = m.Value.GetProperty "value"
                let ci = m.Value.GetProperty "ci"
                let num (e: Text.Json.JsonElement) =
                    if e.ValueKind = Text.Json.JsonValueKind.Number then sprintf "%.4f" (e.GetDouble()) else "-"
                printfn "  %-22s %-28s %s [%s, %s]" label m.Name (num v) (num ci[0]) (num ci[1])
    for pooled in doc.RootElement.GetProperty("pooled_out_of_fold").EnumerateArray() do
        show (sprintf "out-of-fold (repeat %d)" (pooled.GetProperty("repeat").GetInt32())) pooled
    match doc.RootElement.GetProperty "ensemble_test" with
    | e when e.ValueKind = Text.Json.JsonValueKind.Object -> show "ensemble (test)" e
    | _ -> ()

/// The subgroup table of each repeat's pooled out-of-fold predictions (oof_predictions.csv). Every fold's locked
/// threshold was chosen on its own held-out fold, which are these studies, so a binary head's threshold metrics use
/// the config's fixed threshold where it gives one, else 0.5, said as not chosen on data. Survival heads get the
/// C-index of their out-of-fold risks.
let private printSubgroups
    (req: Request)
    (config: TrainConfig.TrainConfig)
    (columns: Collections.Generic.IReadOnlyList<DeepCoro.Runtime.Evaluation.SubgroupColumn>)
    (values: Collections.Generic.IReadOnlyDictionary<string, string array>)
    =
    let heads = ResizeArray config.Spec.Heads
    let thresholds = Collections.Generic.Dictionary<string, DeepCoro.Runtime.Evaluation.ThresholdUsed>()
    for head in heads do
        if head.Task = TaskKind.Binary then
            let rule = config.Train.Thresholds.For head.Name
            thresholds.[head.Name] <-
                if rule.Kind = "fixed" then
                    DeepCoro.Runtime.Evaluation.ThresholdUsed(rule.Value, "fixed in the config")
                else
                    DeepCoro.Runtime.Evaluation.ThresholdUsed(
                        0.5,
                        "0.5, not chosen on data: each fold's locked threshold was chosen on its held-out fold, these studies"
                    )
    if heads.Count > 0 then
        for r in 0 .. req.Repeats - 1 do
            let file = DeepCoro.Runtime.Evaluation.PredictionFile.Read(req.Dir.Oof, r)
            let predictions = heads |> Seq.map (fun h -> file.Head h.Name) |> Array.ofSeq
            let studies =
                predictions.[0].Keys
                |> Array.mapi (fun i id ->
                    DeepCoro.Runtime.Report.StudyScores(
                        id,
                        predictions |> Array.map (fun p -> p.Labels.[i]),
                        predictions |> Array.map (fun p -> p.Scores.[i]),
                        Events = (predictions |> Array.map (fun p -> if isNull p.Events then nan else p.Events.[i]))
                    ))
                |> ResizeArray
            let table =
                DeepCoro.Runtime.Evaluation.SubgroupTable.Compute(
                    sprintf "out-of-fold, repeat %d" r,
                    heads,
                    studies,
                    columns,
                    values,
                    thresholds,
                    config.Train.Intervals,
                    config.Train.Seed
                )
            printfn ""
            DeepCoro.Runtime.Report.SubgroupReport.Lines table |> Seq.iter (printfn "%s")

let run (args: ParseResults<CvArgs>) =
    let folds = args.GetResult CvArgs.Folds
    if folds < 2 then
        raise (UsageFailure(sprintf "--folds %d: at least 2 folds are needed" folds))
    let repeats = args.GetResult(CvArgs.Repeats, 1) |> checkInt "--repeats" OptionRules.count
    let atOnce = args.GetResult(CvArgs.Parallel, 1) |> checkInt "--atOnce" OptionRules.count
    let configPath = args.GetResult CvArgs.Config
    requireFile "config file" configPath
    let output = args.GetResult CvArgs.Output
    refuseInputAsOutput "--output" output [ "--config", configPath ]
    let sets = args.GetResults CvArgs.Set
    for s in sets do
        ConfigFile.parseOverride s |> ignore
    let req = {
        ConfigPath = configPath
        Folds = folds
        Repeats = repeats
        GroupBy = args.TryGetResult CvArgs.Group_By
        Stratify = args.TryGetResult CvArgs.Stratify
        Sets = sets
        Seed = args.GetResult(CvArgs.Seed, 0)
        Device = args.TryGetResult CvArgs.Device
        Dir = CrossValidationDirectory(output)
    }
    let subgroups = args.TryGetResult CvArgs.Subgroups |> Option.map SubgroupTables.parse
    let config, groupColumn, rows = foldsOf req
    // read before any fold trains, so that a column the manifest lacks fails at once
    let values = subgroups |> Option.map (SubgroupTables.read config)
    // a split file follows from folds.csv alone, so one written earlier stands; --parallel's processes and the
    // Slurm tasks then never write the same file at once
    for r in 0 .. repeats - 1 do
        for k in 0 .. folds - 1 do
            if not (File.Exists(req.Dir.SplitFile(k, r))) then
                FoldsFile.WriteSplitFile(req.Dir.SplitFile(k, r), rows, k, r, config.Data.TrainSplit, config.Data.ValSplit)
    let tasks = folds * repeats
    if args.Contains Emit_Slurm then
        let options =
            SlurmOptions(
                tasks,
                Option.toNullable (args.TryGetResult CvArgs.Parallel),
                Partition = Option.toObj (args.TryGetResult Partition),
                Time = Option.toObj (args.TryGetResult Time),
                Cpus = Option.toNullable (args.TryGetResult Cpus),
                Mem = Option.toObj (args.TryGetResult Mem),
                Gpus = Option.toNullable (args.TryGetResult Gpus),
                JobName = "deepcoro-cv"
            )
        let script = FoldArrayScript.Write(req.Dir, commandOf req, options)
        printfn "wrote %s: %d tasks, one fold each; submit with: sbatch %s" script tasks script
        printfn "then gather the folds with the same deepcoro cv command, without --emit-slurm"
    else
        match args.TryGetResult CvArgs.Task with
        | Some task ->
            if task < 0 || task >= tasks then
                raise (UsageFailure(sprintf "--task %d: expected 0..%d (K folds x repeats)" task (tasks - 1)))
            trainFold req task
        | None ->
            let finished, pending = [ 0 .. tasks - 1 ] |> List.partition (fun t -> req.Dir.Finished(t % folds, t / folds))
            for t in finished do
                printfn "fold %d of repeat %d: finished earlier (%s)" (t % folds) (t / folds) (req.Dir.Run(t % folds, t / folds))
            if atOnce = 1 || List.length pending <= 1 then
                for t in pending do
                    trainFold req t
            else
                runProcesses req pending atOnce
            CrossValidationResults.Collect(
                req.Dir,
                rows,
                config.Spec.Heads,
                folds,
                repeats,
                config.Train.Intervals,
                config.Train.Seed,
                groupColumn,
                Option.toObj req.Stratify
            )
            printfn "wrote %s, %s%s" req.Dir.Oof (if File.Exists req.Dir.Ensemble then req.Dir.Ensemble + ", " else "") req.Dir.Summary
            printSummary req.Dir
            subgroups |> Option.iter (fun columns -> printSubgroups req config columns values.Value)
