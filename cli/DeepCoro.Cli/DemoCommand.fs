/// `deepcoro demo`: the main job in one command: a small synthetic dataset, the two-level cls_token probe
/// trained on it, a metrics table, and where the files are.
module DeepCoro.Cli.DemoCommand

open System.IO
open Argu
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Config
open DeepCoro.Config.UserError
open DeepCoro.Cli.CliError

type DemoArgs =
    | [<Unique>] Output of dir: string
    | [<Unique>] Studies of int
    | [<Unique>] Epochs of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Output _ -> "folder for the data and the run (default ./deepcoro-demo); replaced only if empty or written by demo."
            | Studies _ -> "synthetic studies (default 600)."
            | Epochs _ -> "training epochs (default 20)."

/// The file demo leaves in its folder: only a folder holding it (or an empty one) is deleted by the next demo.
let markerName = ".deepcoro-demo"

/// Locks `out` and empties it for a new demo, refusing a folder that demo did not write (its entries are deleted
/// recursively) or one that another demo is using (emptying it would pull its files away mid-run).
let private prepare (out: string) =
    if File.Exists out then
        fail (sprintf "--output %s: is a file; demo needs a folder" out)
    let entries () =
        if Directory.Exists out then
            Directory.EnumerateFileSystemEntries out |> Seq.filter (fun e -> Path.GetFileName e <> DirectoryLock.FileName) |> Seq.toList
        else
            []
    if not (File.Exists(Path.Combine(out, markerName)) || List.isEmpty (entries ())) then
        fail (
            sprintf
                "--output %s: the folder is not empty and was not written by demo (no %s); choose another --output or empty it"
                out
                markerName
        )
    let held = DirectoryLock.Acquire(out, "deepcoro demo")
    for entry in entries () do
        if Directory.Exists entry then Directory.Delete(entry, true) else File.Delete entry
    AtomicFile.WriteText(
        Path.Combine(out, markerName),
        "written by `deepcoro demo`; the next demo with this --output replaces this folder\n"
    )
    held

let run (args: ParseResults<DemoArgs>) =
    let out = Path.GetFullPath(args.GetResult(Output, "deepcoro-demo"))
    let epochs = args.GetResult(Epochs, 20) |> checkInt "--epochs" OptionRules.count
    let studies = args.GetResult(Studies, 600) |> checkInt "--studies" OptionRules.count
    use _ = prepare out
    let data = Path.Combine(out, "data")
    let options = SyntheticOptions(Studies = studies, Seed = 1)
    printfn "demo: writing %d synthetic studies to %s (planted signal: cathEF = 0.55 + 0.1 z1, abnormal = [z2 > 0])" options.Studies data
    TrainCommands.synth data options epochs
    let result =
        TrainCommands.train
            (Path.Combine(data, "config.yaml"))
            DeepCoro.Config.ConfigFile.defaultOptions
            (Some(Path.Combine(out, "run")))
            false
            None
            None
            true
    TrainCommands.printRun result
    printfn "config: %s; tensorboard --logdir %s" (Path.Combine(data, "config.yaml")) (Path.Combine(out, "run", "tensorboard"))
