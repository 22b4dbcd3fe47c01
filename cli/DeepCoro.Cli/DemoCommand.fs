/// `deepcoro demo`: the main job in one command: a small synthetic dataset, the two-level cls_token probe
/// trained on it, a metrics table, and where the files are.
module DeepCoro.Cli.DemoCommand

open System.IO
open Argu
open DeepCoro.Runtime.Data
open DeepCoro.Config.UserError

type DemoArgs =
    | Out of dir: string
    | Studies of int
    | Epochs of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Out _ -> "folder for the data and the run (default ./deepcoro-demo); replaced only if empty or written by demo."
            | Studies _ -> "synthetic studies (default 600)."
            | Epochs _ -> "training epochs (default 20)."

/// The file demo leaves in its folder: only a folder holding it (or an empty one) is deleted by the next demo.
let markerName = ".deepcoro-demo"

/// Empties `out` for a new demo, refusing a folder that demo did not write: it is deleted recursively.
let private prepare (out: string) =
    if File.Exists out then fail (sprintf "--out %s: is a file; demo needs a folder" out)
    if Directory.Exists out then
        if File.Exists(Path.Combine(out, markerName)) then Directory.Delete(out, true)
        elif not (Seq.isEmpty (Directory.EnumerateFileSystemEntries out)) then
            fail (sprintf "--out %s: the folder is not empty and was not written by demo (no %s); choose another --out or empty it" out markerName)
    Directory.CreateDirectory out |> ignore
    File.WriteAllText(Path.Combine(out, markerName), "written by `deepcoro demo`; the next demo with this --out replaces this folder\n")

let run (args: ParseResults<DemoArgs>) =
    let out = Path.GetFullPath(args.GetResult(Out, "deepcoro-demo"))
    prepare out
    let data = Path.Combine(out, "data")
    let epochs = args.GetResult(Epochs, 20)
    let options = SyntheticOptions(Studies = args.GetResult(Studies, 600), Seed = 1)
    printfn "demo: writing %d synthetic studies to %s (planted signal: cathEF = 0.55 + 0.1 z1, abnormal = [z2 > 0])" options.Studies data
    TrainCommands.synth data options epochs
    let result = TrainCommands.train (Path.Combine(data, "config.yaml")) DeepCoro.Config.ConfigFile.defaultOptions (Some(Path.Combine(out, "run"))) false None None true
    TrainCommands.printRun result
    printfn "config: %s; tensorboard --logdir %s" (Path.Combine(data, "config.yaml")) (Path.Combine(out, "run", "tensorboard"))
