/// `deepcoro demo`: the main job in one command: a small synthetic dataset, the two-level cls_token probe
/// trained on it, a metrics table, and where the files are.
module DeepCoro.Cli.DemoCommand

open System.IO
open Argu
open DeepCoro.Runtime.Data

type DemoArgs =
    | Out of dir: string
    | Studies of int
    | Epochs of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Out _ -> "folder for the data and the run (default ./deepcoro-demo; replaced)."
            | Studies _ -> "synthetic studies (default 600)."
            | Epochs _ -> "training epochs (default 20)."

let run (args: ParseResults<DemoArgs>) =
    let out = Path.GetFullPath(args.GetResult(Out, "deepcoro-demo"))
    if Directory.Exists out then Directory.Delete(out, true)
    let data = Path.Combine(out, "data")
    let epochs = args.GetResult(Epochs, 20)
    let options = SyntheticOptions(Studies = args.GetResult(Studies, 600), Seed = 1)
    printfn "demo: writing %d synthetic studies to %s (planted signal: cathEF = 0.55 + 0.1 z1, abnormal = [z2 > 0])" options.Studies data
    TrainCommands.synth data options epochs
    let result = TrainCommands.train (Path.Combine(data, "config.yaml")) (Some(Path.Combine(out, "run"))) false None None
    TrainCommands.printRun result
    printfn "config: %s; tensorboard --logdir %s" (Path.Combine(data, "config.yaml")) (Path.Combine(out, "run", "tensorboard"))
