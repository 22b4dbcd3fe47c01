/// What holds under hostile input, concurrent runs, signals and full disks (docs/guarantees.md names these tests):
/// each case of issue 15, reproduced as it was reported and now refused in one line, or survived.
module DeepCoro.Tests.ReliabilityTests

open System
open System.Diagnostics
open System.IO
open System.Runtime.InteropServices
open System.Text.Json
open Expecto
open TorchSharp
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Training
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.TrainingTests

module private Native =
    [<DllImport("libc", SetLastError = true)>]
    extern int kill(int pid, int signal)

/// The error of a failed command: its last stderr line, the only one that starts with "error: " (notes and warnings
/// about the data it read may come before it).
let private errorLine (stderr: string) =
    let lines = stderr.Trim().Split '\n'
    let errors = lines |> Array.filter (fun l -> l.StartsWith "error: ")
    Expect.equal errors.Length 1 (sprintf "one error line: %s" stderr)
    Expect.equal (Array.last lines) errors[0] (sprintf "the error ends the output: %s" stderr)
    errors[0]

/// `deepcoro` in-process: exit code and stderr, or the one error line when the command fails.
let private run (args: string list) =
    let code, _, err = CliTests.deepcoro args
    code, (if code = 1 || code = 2 then errorLine err else err.Trim())

let private refused (code: int) (args: string list) (fragments: string list) =
    let actual, err = run args
    Expect.equal actual code (sprintf "exit code; stderr: %s" err)
    for f in fragments do
        Expect.stringContains err f "the message"

/// `deepcoro` as a child process (the apphost beside the tests).
let private start (args: string list) =
    let info =
        ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "deepcoro"), RedirectStandardOutput = true, RedirectStandardError = true)
    for a in args do
        info.ArgumentList.Add a
    let p = Process.Start info
    p.OutputDataReceived.Add ignore
    p.BeginOutputReadLine()
    p

let private finish (p: Process) =
    let err = p.StandardError.ReadToEnd()
    Expect.isTrue (p.WaitForExit 120000) "the process ends"
    p.ExitCode, err.Trim()

let private waitFor (what: string) (condition: unit -> bool) =
    let deadline = DateTime.UtcNow.AddSeconds 180.0
    while not (condition ()) && DateTime.UtcNow < deadline do
        Threading.Thread.Sleep 50
    Expect.isTrue (condition ()) what

let private epochsDone (checkpoint: string) = int (Safetensors.ReadHeader checkpoint).Metadata.["epochs_done"]

/// Every line of metrics.jsonl parses and the epochs count 1, 2, ...: no two runs wrote into it.
let private expectCleanLog (run: string) =
    let epochs = [
        for l in File.ReadAllLines(Path.Combine(run, "metrics.jsonl")) -> JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()
    ]
    Expect.equal epochs [ 1 .. epochs.Length ] "metrics.jsonl: one line per epoch, in order"

let private leftovers (dir: string) = Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories)

let private concurrencyTests =
    testList "run directory" [
        test "a second train (or --resume) on a running run is refused naming the holder's pid; kill -9 frees it" {
            let dir, config = dataset 40 100000 id
            let runDir = Path.Combine(dir, "run")
            let first = start [ "train"; "--config"; config; "--output"; runDir ]
            let checkpoint = Path.Combine(runDir, "checkpoint.safetensors")
            try
                waitFor "the first run writes a checkpoint" (fun () -> File.Exists checkpoint)
                for extra in [ []; [ "--resume" ] ] do
                    let code, err = finish (start ([ "train"; "--config"; config; "--output"; runDir ] @ extra))
                    Expect.equal code 1 (sprintf "refused: %s" err)
                    Expect.stringContains (errorLine err) (sprintf "in use by process %d (deepcoro train)" first.Id) "names the holder"
            finally
                first.Kill()
                first.WaitForExit()
            // the kernel dropped the dead process's lock: the run resumes
            let next = epochsDone checkpoint + 1
            let code, err = run [ "train"; "--config"; config; "--output"; runDir; "--resume"; "--epochs"; string next ]
            Expect.equal code 0 err
            Expect.equal (epochsDone checkpoint) next "resumed after the kill"
            expectCleanLog runDir
        }

        test "SIGINT stops between batches, says where the checkpoint is and how to resume, exits 130" {
            let dir, config = dataset 40 100000 id
            let runDir = Path.Combine(dir, "run")
            let p = start [ "train"; "--config"; config; "--output"; runDir ]
            let checkpoint = Path.Combine(runDir, "checkpoint.safetensors")
            waitFor "a checkpoint" (fun () -> File.Exists checkpoint)
            Expect.equal (Native.kill (p.Id, 2)) 0 "SIGINT sent"
            let code, err = finish p
            Expect.equal code 130 err
            Expect.stringContains err (sprintf "SIGINT: stopped; %s holds epoch %d" checkpoint (epochsDone checkpoint)) "where"
            Expect.stringContains err "continue with the same command and --resume" "how to resume"
            Expect.isEmpty (leftovers runDir) "no temporary files"
            expectCleanLog runDir
        }

        test "a temporary file of an ended process is removed by the next write of its target; a live one is kept" {
            let dir = tempDir ()
            let target = Path.Combine(dir, "best.safetensors")
            let host = Environment.MachineName.Replace('.', '_')
            let ended = Process.Start(ProcessStartInfo("true"))
            ended.WaitForExit()
            let stale = Path.Combine(dir, sprintf ".best.safetensors.%s.%d.0badc0de.tmp" host ended.Id)
            let live = Path.Combine(dir, sprintf ".best.safetensors.%s.%d.0badc0de.tmp" host Environment.ProcessId)
            let otherHost = Path.Combine(dir, sprintf ".best.safetensors.elsewhere.%d.0badc0de.tmp" ended.Id)
            for f in [ stale; live; otherHost ] do
                File.WriteAllText(f, "half")
            AtomicFile.WriteText(target, "whole")
            Expect.isFalse (File.Exists stale) "the ended process's temp file is gone"
            Expect.isTrue (File.Exists live) "a live writer's is kept"
            Expect.isTrue (File.Exists otherHost) "another host's is kept (its pids mean nothing here)"
            Expect.equal (File.ReadAllText target) "whole" "the target"
        }

        test "train refuses a run directory that would overwrite its own config or manifest" {
            let dir, config = dataset 30 1 id
            let before = File.ReadAllText config
            refused 2 [ "train"; "--config"; config; "--output"; dir ] [
                "the run would write"
                "config.yaml, which is the --config being read"
            ]
            Expect.equal (File.ReadAllText config) before "the config is untouched"
        }
    ]

/// Mounts a tmpfs at `dir`; Error with the reason when this machine does not allow it (no root, no CAP_SYS_ADMIN).
let private mount (dir: string) (options: string) =
    Directory.CreateDirectory dir |> ignore
    try
        let p = Process.Start(ProcessStartInfo("mount", sprintf "-t tmpfs -o %s tmpfs %s" options dir, RedirectStandardError = true))
        let err = p.StandardError.ReadToEnd()
        p.WaitForExit()
        if p.ExitCode = 0 then Ok() else Error(err.Trim())
    with e ->
        Error e.Message

let private unmount (dir: string) =
    use p = Process.Start(ProcessStartInfo("umount", sprintf "-l %s" dir))
    p.WaitForExit()

/// Writes zeros until the file system refuses: the disk is full.
let private fill (dir: string) =
    use s = new FileStream(Path.Combine(dir, "filler"), FileMode.Create)
    let chunk = Array.zeroCreate<byte> 4096
    try
        while true do
            s.Write(chunk, 0, chunk.Length)
            s.Flush true
    with :? IOException ->
        ()

let private diskTests =
    let golden = Path.Combine(goldenDir, "cases.json") + "#mean3d"
    let weights = Path.Combine(goldenDir, "mean3d.weights.safetensors")
    let inputs = Path.Combine(goldenDir, "mean3d.io.safetensors")
    testList "full and read-only disks" [
        test "a full disk: one line naming the file, nothing half-written, the checkpoint intact" {
            let mnt = Path.Combine(tempDir (), "tmpfs")
            match mount mnt "size=4m" with
            | Error reason ->
                eprintfn "skipped the disk-full test: cannot mount a tmpfs here (%s); it needs root with CAP_SYS_ADMIN" reason
                skiptestf "cannot mount a tmpfs here (%s)" reason
            | Ok() ->
                try
                    let dir, config = dataset 30 1 id
                    let runDir = Path.Combine(dir, "run")
                    Expect.equal (fst (run [ "train"; "--config"; config; "--output"; runDir ])) 0 "a first epoch on a good disk"
                    let copy = Path.Combine(mnt, "run")
                    Directory.CreateDirectory copy |> ignore
                    for f in Directory.GetFiles runDir do
                        File.Copy(f, Path.Combine(copy, Path.GetFileName f))
                    let checkpoint = File.ReadAllBytes(Path.Combine(copy, "checkpoint.safetensors"))
                    fill mnt
                    let output = Path.Combine(mnt, "out.safetensors")
                    refused 1 [ "infer"; "--config"; golden; "--weights"; weights; "--inputs"; inputs; "--output"; output ] [
                        output + ": cannot write: no space left on the device"
                    ]
                    Expect.isFalse (File.Exists output) "no output"
                    let code, err = run [ "train"; "--config"; config; "--output"; copy; "--resume"; "--epochs"; "2" ]
                    Expect.equal code 1 err
                    Expect.stringContains err "cannot write: no space left on the device" "the cause"
                    Expect.stringContains err copy "the path"
                    Expect.sequenceEqual
                        (File.ReadAllBytes(Path.Combine(copy, "checkpoint.safetensors")))
                        checkpoint
                        "the checkpoint is intact"
                    Expect.isEmpty (leftovers mnt) "no temporary files"
                    expectCleanLog copy
                finally
                    unmount mnt
        }

        test "a read-only file system: one line naming the file" {
            let mnt = Path.Combine(tempDir (), "tmpfs")
            match mount mnt "ro,size=64k" with
            | Error reason ->
                eprintfn "skipped the read-only test: cannot mount a tmpfs here (%s); it needs root with CAP_SYS_ADMIN" reason
                skiptestf "cannot mount a tmpfs here (%s)" reason
            | Ok() ->
                try
                    let output = Path.Combine(mnt, "out.safetensors")
                    refused 1 [ "infer"; "--config"; golden; "--weights"; weights; "--inputs"; inputs; "--output"; output ] [
                        output + ": cannot write: the file system is read-only"
                    ]
                finally
                    unmount mnt
        }
    ]

let private outputTests =
    let golden = Path.Combine(goldenDir, "cases.json") + "#mean3d"
    let weights = Path.Combine(goldenDir, "mean3d.weights.safetensors")
    let inputs = Path.Combine(goldenDir, "mean3d.io.safetensors")
    let infer output = [ "infer"; "--config"; golden; "--weights"; weights; "--inputs"; inputs; "--output"; output ]
    testList "outputs" [
        test "an output that is a directory, under a file, or a run directory that is a file: one line" {
            let dir = tempDir ()
            let file = Path.Combine(dir, "a-file")
            File.WriteAllText(file, "x")
            refused 1 (infer dir) [ dir + ": cannot write: it is a directory; name a file" ]
            refused 1 (infer (Path.Combine(file, "out.safetensors"))) [ "cannot write: " + file + " is a file, not a folder" ]
            let _, config = dataset 30 1 id
            refused 1 [ "train"; "--config"; config; "--output"; file ] [ file + " is a file, not a folder" ]
        }

        test "an output that names an input is refused and the input kept: infer, predict" {
            let dir = tempDir ()
            let copy = Path.Combine(dir, "io.safetensors")
            File.Copy(inputs, copy)
            let before = File.ReadAllBytes copy
            refused 2 [ "infer"; "--config"; golden; "--weights"; weights; "--inputs"; copy; "--output"; copy ] [
                "--output"
                "is also --inputs"
            ]
            Expect.sequenceEqual (File.ReadAllBytes copy) before "the inputs are untouched"
            let data, config = dataset 30 1 id
            let runDir = Path.Combine(data, "run")
            Expect.equal (fst (run [ "train"; "--config"; config; "--output"; runDir ])) 0 "a run"
            let manifest = Path.Combine(data, "manifest.csv")
            let text = File.ReadAllText manifest
            refused 2 [ "predict"; "--run"; runDir; "--manifest"; manifest; "--output"; manifest ] [ "--output"; "is also --manifest" ]
            Expect.equal (File.ReadAllText manifest) text "the manifest is untouched"
        }

        test "a directory where a file is expected says so" {
            let dir = tempDir ()
            refused 1 (infer (Path.Combine(dir, "o.safetensors")) |> List.map (fun a -> if a = weights then dir else a)) [
                dir + ": is a directory, expected a file"
            ]
            refused 1 [ "train"; "--config"; dir ] [ dir + ": is a folder; --config names a config file" ]
        }
    ]

/// A small YAML file whose aliases nest 8 deep: 10^8 nodes once expanded.
let private aliasBomb =
    [
        yield "method: grid"
        yield "metric: {name: val/main_loss, goal: minimize}"
        yield "x0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
        for i in 1..8 -> sprintf "x%d: &a%d [%s]" i i (String.concat ", " (List.replicate 10 (sprintf "*a%d" (i - 1))))
        yield "parameters:\n  lr:\n    values: *a8"
    ]
    |> String.concat "\n"

let private hostileInputTests =
    testList "hostile input" [
        test "binary metrics of NaN scores are NaN, at once (the tie loops never advanced on NaN)" {
            let clock = Stopwatch.StartNew()
            let m = Metrics.Binary([| nan; 0.3; nan; 0.7 |], [| 1.0; 0.0; 0.0; 1.0 |])
            Expect.isTrue (m.Values |> Seq.forall Double.IsNaN) (sprintf "every binary metric NaN: %A" m)
            Expect.isTrue (Double.IsNaN(Metrics.AveragePrecision([| nan; nan |], [| true; false |]))) "average precision"
            Expect.isTrue (Double.IsNaN(Metrics.Auc([| nan; 0.5 |], [| true; false |]))) "auc"
            Expect.isTrue (clock.Elapsed < TimeSpan.FromSeconds 5.0) "no hang"
            let tied = Metrics.Binary([| 0.5; 0.5; 0.5; 0.9 |], [| 0.0; 1.0; 0.0; 1.0 |])
            Expect.floatClose Accuracy.veryHigh tied.["auc"] 0.75 "ties still rank as before"
        }

        test "a diverging run (lr 1e30) stops with one line naming the epoch and what to change" {
            let dir, config = dataset 30 3 (fun t -> t.Replace("lr: 0.003", "lr: 1.0e30"))
            refused 1 [ "train"; "--config"; config; "--output"; Path.Combine(dir, "run") ] [
                "optimizer steps in a row skipped for a non-finite loss or gradient; the run stops"
                "Lower the learning rate"
            ]
        }

        test "a validation split without any label is refused, and a split without labels has a NaN main loss" {
            let dir, config = dataset 30 1 id
            let manifest = Path.Combine(dir, "manifest.csv")
            let lines = File.ReadAllLines manifest
            let unlabel (l: string) = let f = l.Split 'α' in if f.[1] = "val" then String.Join("α", f.[0..2]) + "αα" else l
            File.WriteAllLines(manifest, Array.append [| lines.[0] |] (lines.[1..] |> Array.map unlabel))
            refused 1 [ "train"; "--config"; config; "--output"; Path.Combine(dir, "run") ] [
                "split 'val' has no label for any head (cathEF, abnormal)"
            ]
        }

        test "alias bombs, billion laughs under an ignored key and 100 k-deep nesting: one located line, at once" {
            let dir, config = dataset 30 1 id
            let write name (text: string) =
                let p = Path.Combine(dir, name) in
                File.WriteAllText(p, text)
                p
            let clock = Stopwatch.StartNew()
            refused 1 [ "sweep"; "--base"; config; "--sweep"; write "bomb.yaml" aliasBomb; "--output"; Path.Combine(dir, "sweep") ] [
                "bomb.yaml:"
                "aliases expand to more than 100000 nodes"
            ]
            let laughs = [
                yield "project:"
                yield "  a0: &a0 {a: lol, b: lol, c: lol, d: lol, e: lol, f: lol, g: lol, h: lol, i: lol}"
                for i in 1..9 -> sprintf "  a%d: &a%d {%s}" i i (String.concat ", " [ for k in 0..8 -> sprintf "k%d: *a%d" k (i - 1) ])
            ]
            refused 1 [ "train"; "--config"; write "laughs.yaml" (File.ReadAllText config + String.concat "\n" laughs + "\n") ] [
                "laughs.yaml:"
                "aliases expand"
            ]
            refused 1 [ "train"; "--config"; write "deep.yaml" ("a: " + String.replicate 100000 "[" + String.replicate 100000 "]" + "\n") ] [
                "deep.yaml:1:"
                "nested deeper than 64 levels"
            ]
            refused 1 [ "train"; "--config"; write "word.yaml" "hello\n" ] [ "word.yaml:1:1: the config: expected a map" ]
            Expect.isTrue (clock.Elapsed < TimeSpan.FromSeconds 60.0) (sprintf "in %O" clock.Elapsed)
        }

        test "safetensors: 2^62 and wrapping shapes, overlapping data, repeated keys, invalid UTF-8 names are refused" {
            let dir = tempDir ()
            let file (header: string) (data: int) =
                let h = Text.Encoding.UTF8.GetBytes header
                let p = Path.Combine(dir, Guid.NewGuid().ToString "N" + ".safetensors")
                File.WriteAllBytes(p, Array.concat [ BitConverter.GetBytes(int64 h.Length); h; Array.zeroCreate data ])
                p
            let fails (path: string) (fragment: string) =
                let e = Expect.throwsC (fun () -> Safetensors.Load path |> ignore) id
                Expect.stringContains e.Message fragment "message"
                Expect.isTrue (e :? SafetensorsException) (sprintf "a SafetensorsException: %O" e)
            fails
                (file """{"x":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}""" 0)
                "more elements than 64-bit sizes can count"
            fails
                (file """{"x":{"dtype":"F32","shape":[4294967296,1073741824],"data_offsets":[0,0]}}""" 0)
                "more elements than 64-bit sizes can count"
            fails
                (file """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""" 12)
                "overlap"
            fails
                (file """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""" 8)
                "'a' appears twice"
            // a name holding the byte 0xFF, which UTF-8 never uses
            let bad = Text.Encoding.UTF8.GetBytes """{"?":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"""
            bad.[Array.findIndex ((=) (byte '?')) bad] <- 0xFFuy
            let p = Path.Combine(dir, "utf8.safetensors")
            File.WriteAllBytes(p, Array.concat [ BitConverter.GetBytes(int64 bad.Length); bad; Array.zeroCreate 4 ])
            fails p "not valid UTF-8"
        }

        test "BOOL embeddings and NaN weights or inputs are refused, as the training loader refuses NaN embeddings" {
            let dir = tempDir ()
            let emb = Path.Combine(dir, "e.safetensors")
            use mask = torch.ones ([| 4L; 16L |], torch.ScalarType.Bool)
            Safetensors.Save(emb, [ Collections.Generic.KeyValuePair("embedding", mask) ])
            Expect.stringContains
                (Expect.throwsC (fun () -> EmbeddingArray.ShapeOf emb |> ignore) (fun e -> e.Message))
                "dtype Bool; expected floating point"
                "BOOL"
            let golden = Path.Combine(goldenDir, "cases.json") + "#mean3d"
            let poison (source: string) (key: string) =
                let tensors = Safetensors.Load source
                tensors.[key].view(-1L).[0L] <- torch.tensor nan
                let p = Path.Combine(tempDir (), Path.GetFileName source)
                Safetensors.Save(p, tensors)
                p
            let weights = Path.Combine(goldenDir, "mean3d.weights.safetensors")
            let inputs = Path.Combine(goldenDir, "mean3d.io.safetensors")
            let firstWeight = (Safetensors.ReadHeader weights).Entries.[0].Key
            let output = Path.Combine(dir, "o.safetensors")
            refused 1 [ "infer"; "--config"; golden; "--weights"; poison weights firstWeight; "--inputs"; inputs; "--output"; output ] [
                "NaN or infinite"
                "weights must be finite"
            ]
            refused 1 [ "infer"; "--config"; golden; "--weights"; weights; "--inputs"; poison inputs "x"; "--output"; output ] [
                "'x' holds NaN or infinite values"
            ]
        }

        test "IR: irVersion as a string, a 2e9-wide embedding; case files with wrongly typed fields" {
            let dir = tempDir ()
            let emitted = Path.Combine(dir, "mean3d.json")
            Expect.equal (fst (run [ "spec"; Path.Combine(goldenDir, "cases.json") + "#mean3d"; "--emit-ir"; emitted ])) 0 "an IR"
            let ir = File.ReadAllText emitted
            let write name (text: string) =
                let p = Path.Combine(dir, name) in
                File.WriteAllText(p, text)
                p
            refused 1 [ "spec"; write "v.json" (ir.Replace("\"irVersion\": 1", "\"irVersion\": \"1\"")) ] [ "irVersion" ]
            refused 1 [ "spec"; write "wide.json" (ir.Replace("\"embeddingDim\": 32", "\"embeddingDim\": 2000000000")) ] [
                "DC0012"
                "embedding dim 2000000000 is above"
            ]
            let case =
                """{"x": {"model": "multi_instance_linear_probing", "config": {"embedding_dim": 8, "head_structure": {"y": 1}, "pooling_mode": "mean"}, "input_shape": 5}}"""
            refused 1 [ "spec"; write "cases.json" case + "#x" ] [ "case 'x': 'input_shape' must be an array, got a number" ]
            let head =
                """{"h": {"model": "ClsTokenLinearProbingHead", "config": {"input_dim": "8", "output_dim": 2}, "input_shape": [2, 8]}}"""
            refused 1 [ "spec"; write "head.json" head + "#h" ] [ "'config.input_dim' must be a number, got a string" ]
        }
    ]

let private commandLineTests =
    testList "command line" [
        test "numeric flags follow the same rules as their config keys; repeated flags are refused (exit 2, one line)" {
            let _, config = dataset 30 1 id
            let out = tempDir ()
            refused 2 [ "train"; "--config"; config; "--epochs"; "0" ] [ "--epochs 0: must be an integer from 1 to 1000000, got 0" ]
            refused 2 [ "train"; "--config"; config; "--epochs"; "-3" ] [ "--epochs -3: must be" ]
            refused 2 [ "synth"; "--output"; out; "--studies"; "0" ] [ "--studies 0" ]
            refused 2 [ "synth"; "--output"; out; "--studies"; "-5" ] [ "--studies -5" ]
            refused 2 [ "synth"; "--output"; out; "--dim"; "0" ] [ "--dim 0" ]
            refused 2 [ "synth"; "--output"; out; "--tokens"; "0" ] [ "--tokens 0" ]
            refused 2 [ "synth"; "--output"; out; "--max-videos"; "0" ] [ "--max-videos 0" ]
            refused 2 [ "bench"; "--batch"; "0" ] [ "--batch 0: must be an integer from 1 to 1000000, got 0" ]
            refused 2 [ "bench"; "--attention-heads"; "7" ] [ "--attention-heads 7: 7 attention heads do not divide the width 512" ]
            // Argu's own refusal: the error, then the options
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--config"; config ]
            Expect.equal code 2 "a repeated --config"
            Expect.stringContains err "--config" "names the flag"
        }

        test "demo's own config draws no warning: its heads are at least 16 wide" {
            let c = DeepCoro.Config.TrainConfig.parse "config.yaml" (DeepCoro.Cli.TrainCommands.synthConfig 64 16 20)
            Expect.isEmpty c.Warnings "no DC1002 on the demo's config"
            Expect.equal (DeepCoro.Cli.TrainCommands.synthHeads 64) 4 "4 heads of 16 over 64"
            Expect.equal (DeepCoro.Cli.TrainCommands.synthHeads 512) 8 "8 heads over 512"
        }
    ]

[<Tests>]
let tests = testList "reliability" [ concurrencyTests; diskTests; outputTests; hostileInputTests; commandLineTests ]
