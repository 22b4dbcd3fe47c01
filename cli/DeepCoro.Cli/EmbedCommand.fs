/// `deepcoro embed`: videos through a TorchScript encoder into one token file per video, resumable and shardable.
module DeepCoro.Cli.EmbedCommand

open System
open System.Diagnostics
open System.IO
open System.Threading
open Argu
open Spectre.Console
open DeepCoro.Config.UserError
open DeepCoro.Runtime.Encoders
open DeepCoro.Runtime.IO

type EmbedArgs =
    | [<Mandatory>] Encoder of path: string
    | Csv of path: string
    | Column of name: string
    | Separator of text: string
    | Root of dir: string
    | Split of name: string
    | Output of dir: string
    | Frames of n: int
    | Stride of n: int
    | Fixed_Stride
    | Resize of pixels: int
    | Mean of value: float
    | Std of value: float
    | Batch of n: int
    | Decode_Threads of n: int
    | Min_Frames of n: int
    | Shard of spec: string
    | Resume
    | Keep_Folders
    | Float32
    | Device of device: string
    | Backend of name: string
    | Seed of seed: int
    | Emit_Slurm of dir: string
    | Shards of n: int
    | Partition of name: string
    | Time of limit: string
    | Cpus of n: int
    | Mem of size: string
    | Gpus of n: int
    | [<MainCommand; Last>] Videos of path: string list

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Encoder _ -> "the encoder: TorchScript, or ONNX (*.onnx, run by ONNX Runtime); made by tools/export_encoder.py."
            | Csv _ -> "the reference's CSV (separator α) naming the videos; or give video files as arguments."
            | Column _ -> "the CSV's video column, the reference's datapoint_loc_label (default FileName)."
            | Separator _ -> "the CSV's separator (default α)."
            | Root _ -> "folder that relative video paths start from (default: the CSV's folder)."
            | Split _ -> "only the CSV rows whose Split column holds this value."
            | Output _ -> "output folder: one NAME.safetensors per video NAME.avi, manifest.csv, failures.csv."
            | Frames _ -> "frames per video (default: what the encoder was exported for)."
            | Stride _ -> "keep every n-th frame; above 1 the reference draws the stride from 1..n per video (default 1)."
            | Fixed_Stride -> "take exactly every --stride-th frame instead of the reference's random draw."
            | Resize _ -> "frame size in pixels (default: what the encoder was exported for)."
            | Mean _ -> "dataset_mean (its first channel's value, as the reference applies it); default: computed."
            | Std _ -> "dataset_std (its first channel's value); default: computed."
            | Batch _ -> "videos per encoder call (default 1)."
            | Decode_Threads _ -> "videos decoded at once while the encoder runs (default 2)."
            | Min_Frames _ -> "videos with fewer frames after the stride are reported as too short (default 1; shorter ones are padded)."
            | Shard _ -> "i/n: embed every n-th video starting at the i-th (0 <= i < n), for Slurm arrays."
            | Resume -> "continue a run: files already written are checked and kept."
            | Keep_Folders -> "mirror each video's folder below --root (default: the CSV's folder) instead of naming files by stem alone."
            | Float32 -> "store float32 instead of float16."
            | Device _ -> "cpu, cuda or cuda:i (default cpu)."
            | Backend _ -> "torchscript or onnx (default: onnx for a *.onnx file, else torchscript); must fit the file."
            | Seed _ -> "seed of the random stride draws (default 0)."
            | Emit_Slurm _ -> "write an sbatch job array of --shards tasks into this folder instead of running."
            | Shards _ -> "with --emit-slurm: the number of array tasks."
            | Partition _ -> "with --emit-slurm: Slurm partition."
            | Time _ -> "with --emit-slurm: time limit per task, e.g. 04:00:00."
            | Cpus _ -> "with --emit-slurm: CPUs per task."
            | Mem _ -> "with --emit-slurm: memory per task, e.g. 16G."
            | Gpus _ -> "with --emit-slurm: GPUs per task."
            | Videos _ -> "video files to embed (instead of --csv)."

let private shard (text: string) =
    match text.Split('/') with
    | [| i; n |] ->
        match Int32.TryParse i, Int32.TryParse n with
        | (true, i), (true, n) when n >= 1 && i >= 0 && i < n -> i, n
        | _ -> fail (sprintf "--shard %s: expected i/n with 0 <= i < n, e.g. 0/8" text)
    | _ -> fail (sprintf "--shard %s: expected i/n with 0 <= i < n, e.g. 0/8" text)

let private backend (name: string) =
    match name.ToLowerInvariant() with
    | "torchscript" -> EncoderBackend.TorchScript
    | "onnx" -> EncoderBackend.Onnx
    | _ -> fail (sprintf "--backend %s: expected torchscript or onnx" name)

let private options (args: ParseResults<EmbedArgs>) =
    // first: a missing --encoder is a bad command line (Argu's usage error), before any other check
    let encoder = args.GetResult Encoder
    let i, n = args.TryGetResult Shard |> Option.map shard |> Option.defaultValue (0, 1)
    let videos = args.GetResult(Videos, [])
    match args.TryGetResult Csv, videos with
    | Some _, _ :: _ -> fail "embed: give --csv or video files, not both"
    | None, [] -> fail "embed: no videos: give --csv C or video files"
    | _ -> ()
    EmbedOptions(
        Encoder = encoder,
        OutputDirectory = (args.TryGetResult Output |> Option.defaultWith (fun () -> fail "embed: --output DIR is required")),
        Csv = (args.TryGetResult Csv |> Option.toObj),
        Column = (args.GetResult(Column, "FileName")),
        Separator = (args.GetResult(Separator, DeepCoro.Runtime.Video.VideoList.ReferenceSeparator)),
        Root = (args.TryGetResult Root |> Option.toObj),
        Split = (args.TryGetResult Split |> Option.toObj),
        Files = (videos),
        Frames = (args.TryGetResult Frames |> Option.toNullable),
        Stride = (args.GetResult(Stride, 1)),
        FixedStride = (args.Contains Fixed_Stride),
        Resize = (args.TryGetResult Resize |> Option.toNullable),
        Mean = (args.TryGetResult Mean |> Option.toNullable),
        Std = (args.TryGetResult Std |> Option.toNullable),
        StatisticsVideos = (4),
        Batch = (args.GetResult(Batch, 1)),
        DecodeThreads = (args.GetResult(Decode_Threads, 2)),
        MinFrames = (args.GetResult(Min_Frames, 1)),
        Shard = (i),
        Shards = (n),
        Resume = (args.Contains Resume),
        KeepFolders = (args.Contains Keep_Folders),
        Half = (not (args.Contains Float32)),
        Device = (args.GetResult(Device, "cpu")),
        Backend = (args.TryGetResult Backend |> Option.map backend |> Option.toNullable),
        Seed = (args.GetResult(Seed, 0))
    )

/// What each Slurm task repeats: the same arguments without the Slurm ones,
/// paths made absolute (tasks may start elsewhere).
let private taskArguments (args: ParseResults<EmbedArgs>) =
    let full (p: string) = Path.GetFullPath p
    args.GetAllResults()
    |> List.choose (function
        | Emit_Slurm _
        | Shards _
        | Partition _
        | Time _
        | Cpus _
        | Mem _
        | Gpus _ -> None
        | Encoder p -> Some(Encoder(full p))
        | Csv p -> Some(Csv(full p))
        | Root p -> Some(Root(full p))
        | Output p -> Some(Output(full p))
        | Videos ps -> Some(Videos(List.map full ps))
        | a -> Some a)
    |> ArgumentParser.Create<EmbedArgs>(programName = "embed").PrintCommandLineArguments
    |> List.ofArray

/// The sbatch array: task i runs this same command with --shard i/N --resume;
/// a dependent job writes the whole manifest.
let private emitSlurm (args: ParseResults<EmbedArgs>) (dir: string) =
    let n = args.TryGetResult Shards |> Option.defaultWith (fun () -> fail "embed --emit-slurm: give --shards N (array tasks)")
    if n < 1 then
        fail (sprintf "--shards %d: must be at least 1" n)
    if args.Contains Shard then
        fail "embed --emit-slurm: each task gets its own --shard; drop --shard"
    options args |> ignore
    let slurm =
        SlurmOptions(
            n,
            Partition = (args.TryGetResult Partition |> Option.toObj),
            Time = (args.TryGetResult Time |> Option.toObj),
            Cpus = (args.TryGetResult Cpus |> Option.toNullable),
            Mem = (args.TryGetResult Mem |> Option.toObj),
            Gpus = (args.TryGetResult Gpus |> Option.toNullable),
            JobName = "deepcoro-embed"
        )
    let command = SweepCommand.deepcoroCommand () @ [ "embed" ] @ taskArguments args
    let struct (array, finish, submit) = EmbedSlurm.Write(dir, n, command, slurm)
    printfn "%d shards: %s; then %s writes the whole manifest" n array finish
    printfn "submit:  bash %s" submit

let run (args: ParseResults<EmbedArgs>) =
    match args.TryGetResult Emit_Slurm with
    | Some dir -> emitSlurm args dir
    | None ->
        let o = options args
        use cancel = new CancellationTokenSource()
        let onCancel =
            ConsoleCancelEventHandler(fun _ e ->
                e.Cancel <- true
                cancel.Cancel())
        Console.CancelKeyPress.AddHandler onCancel
        let summary =
            try
                try
                    EncodingDisplay.show (fun observer -> Embedder.Run(o, observer, cancel.Token))
                with :? OperationCanceledException when cancel.IsCancellationRequested ->
                    fail "embed interrupted; run the same command with --resume to continue (finished files are kept)"
            finally
                Console.CancelKeyPress.RemoveHandler onCancel
        let r = summary.Result
        printfn
            "embedded %d videos (%d written, %d kept from an earlier run%s) into %s; manifest %s"
            (r.Written + r.Kept)
            r.Written
            r.Kept
            (if r.Padded > 0 then
                 sprintf ", %d shorter than %d frames padded with their last frame" r.Padded summary.Sampling.Frames
             else
                 "")
            o.OutputDirectory
            summary.Manifest
        if r.Failures.Count > 0 then
            printfn "%d videos could not be used, listed in %s; the first: %s" r.Failures.Count summary.Failures r.Failures.[0].Reason
