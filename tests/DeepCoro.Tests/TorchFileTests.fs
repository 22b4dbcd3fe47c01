/// PyTorch's .pt files (fixtures made once with PyTorch 1.13 by tools/make_torch_fixtures.py): tensor embeddings
/// in every layout torch.save writes, DeepCORO_CLIP checkpoints through `import` and `infer`, and the files the
/// restricted unpickler must refuse without running anything.
module DeepCoro.Tests.TorchFileTests

open System
open System.IO
open System.IO.Compression
open System.Numerics
open Expecto
open TorchSharp
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.IO.Torch
open DeepCoro.Tests.TestSupport

let private fixtures = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "torch")
let private fixture (name: string) = Path.Combine(fixtures, name)
let private checkpointDir = fixture "checkpoint"
let private checkpoint = Path.Combine(checkpointDir, "best_model_epoch_3.pt")
let private checkpointConfig = Path.Combine(checkpointDir, "config.yaml")
let private io = Path.Combine(checkpointDir, "io.safetensors")

/// The file tools/make_torch_fixtures.py's malicious pickles would create if anything ran them.
let private maliciousMarker = "/tmp/deepcoro-malicious-pickle-ran"

let private deepcoro = CliTests.deepcoro

/// Expects `deepcoro args` to fail with exit code 1 and one line holding every fragment; returns that line.
let private refused (args: string list) (fragments: string list) =
    let code, _, err = deepcoro args
    Expect.equal code 1 (sprintf "exit code; stderr: %s" err)
    // Warnings about the config (a narrow head, say) may come first; the refusal itself is one line.
    let errors = err.Split('\n') |> Array.filter (fun l -> l.StartsWith "error")
    Expect.equal errors.Length 1 (sprintf "one error line: %s" err)
    let line = errors[0].Trim()
    for f in fragments do
        Expect.stringContains line f "the message names what is wrong"
    line

/// The exception of type 'E that `f` raises (the test fails if it raises none).
let private raises<'E when 'E :> exn> (f: unit -> unit) : 'E =
    try
        f ()
        failtestf "expected a %s" typeof<'E>.Name
    with :? 'E as e ->
        e

/// Same shape and values.
let private same (a: torch.Tensor) (b: torch.Tensor) = a.shape = b.shape && a.equal(b).all().item<bool>()

/// Expects opening `path` to fail with a TorchFileException holding every fragment and the file's name.
let private unreadable (path: string) (fragments: string list) =
    let e = raises<TorchFileException>(fun () -> (TorchFile.Open path).Dispose())
    let message = e.Message
    Expect.stringStarts message path "names the file"
    Expect.isFalse (message.Contains '\n') (sprintf "one line: %s" message)
    for f in fragments do
        Expect.stringContains message f "says what is wrong"

let private maxAbsDifference (a: torch.Tensor) (b: torch.Tensor) =
    (a.to_type (torch.ScalarType.Float64) - b.to_type (torch.ScalarType.Float64)).abs().max().item<float>()

/// A copy of a fixture with its bytes changed, in a fresh folder.
let private damaged (source: string) (change: byte[] -> byte[]) =
    let path = Path.Combine(tempDir (), Path.GetFileName source)
    File.WriteAllBytes(path, change (File.ReadAllBytes source))
    path

/// A copy of a zip-format fixture with one entry's content replaced.
let private rewritten (source: string) (entrySuffix: string) (content: byte[] -> byte[]) =
    let path = Path.Combine(tempDir (), Path.GetFileName source)
    File.Copy(source, path)
    use zip = ZipFile.Open(path, ZipArchiveMode.Update)
    let entry = zip.Entries |> Seq.find (fun e -> e.FullName.EndsWith entrySuffix)
    let bytes =
        use s = entry.Open()
        use m = new MemoryStream()
        s.CopyTo m
        m.ToArray()
    let name = entry.FullName
    entry.Delete()
    let changed = content bytes
    use s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open()
    s.Write(changed, 0, changed.Length)
    path

let private embeddingTests =
    testList "embeddings" [
        test "every tensor layout torch.save writes reads as PyTorch's values, header first" {
            use _ = torch.NewDisposeScope()
            let expected = Safetensors.Load(fixture "embeddings.expected.safetensors")
            for name in
                [ "embedding_f32"; "embedding_f16"; "embedding_strided"; "embedding_legacy"; "embedding_protocol4"; "embedding_bigendian" ] do
                let path = fixture (name + ".pt")
                let e = expected[name]
                Expect.sequenceEqual (EmbeddingArray.ShapeOf path) e.shape (name + ": shape from the header")
                let array = EmbeddingArray.Load path
                Expect.sequenceEqual array.Shape e.shape (name + ": shape")
                Expect.sequenceEqual array.Data (e.data<float32>().ToArray()) (name + ": values, exactly")
        }
        test "a view saves its whole storage: the loader reads the view" {
            use file = TorchFile.Open(fixture "embedding_f32.pt")
            match file.Root with
            | :? PickledTensor as t ->
                Expect.equal t.Storage.Count (3L * 6L * 32L) "the encoder batch's storage"
                Expect.equal t.Offset (6L * 32L) "item 1 of the batch"
            | other -> failtestf "expected a tensor, got %A" other
            use file = TorchFile.Open(fixture "embedding_strided.pt")
            match file.Root with
            | :? PickledTensor as t -> Expect.sequenceEqual t.Stride [ 1L; 6L ] "a transposed view"
            | other -> failtestf "expected a tensor, got %A" other
        }
        test "a checkpoint or a non-float tensor is not an embedding" {
            let e = raises<DataException>(fun () -> EmbeddingArray.Load checkpoint |> ignore)
            Expect.stringContains
                e.Message
                "holds a dict of 5 entries [linear_probing, optimizer, scheduler, epoch, scaler]"
                "lists its keys"
            let e = raises<DataException>(fun () -> EmbeddingArray.ShapeOf(fixture "values.pt") |> ignore)
            Expect.stringContains e.Message "expected one tensor, or one named 'embedding'" "says what is read"
        }
    ]

let private valueTests =
    testList "values" [
        test "every storage type, a Parameter and Python's plain values" {
            use _ = torch.NewDisposeScope()
            use file = TorchFile.Open(fixture "values.pt")
            let root = file.Root :?> PickledDict
            let get (d: PickledDict) key =
                match d.TryGetValue key with
                | true, v -> v
                | _ -> failtestf "no key %s" key
            let expected = Safetensors.Load(fixture "values.expected.safetensors")
            let tensors = get root "tensors" :?> PickledDict
            Expect.equal tensors.Count 11 "tensors"
            for KeyValue(key, value) in tensors.Entries do
                let actual = file.ReadTensor(value :?> PickledTensor)
                let e = expected[string key]
                Expect.equal actual.dtype e.dtype (sprintf "%O: dtype" key)
                Expect.sequenceEqual actual.shape e.shape (sprintf "%O: shape" key)
                Expect.isTrue (same actual e) (sprintf "%O: values" key)
            Expect.isTrue (same (file.ReadTensor(get root "parameter" :?> PickledTensor)) expected["parameter"]) "the Parameter's data"
            let plain = get root "plain" :?> PickledDict
            Expect.equal (get plain "int") (box 3L) "int"
            Expect.equal (get plain "negative") (box -300000L) "negative int"
            Expect.equal (get plain "big") (box (BigInteger.Pow(BigInteger 2, 70))) "an int beyond 64 bits"
            Expect.equal (get plain "float") (box 0.5) "float"
            Expect.equal (get plain "inf") (box Double.PositiveInfinity) "inf"
            Expect.equal (get plain "str") (box "λ") "UTF-8 string"
            Expect.isNull (get plain "none") "None"
            Expect.equal (get plain "flag") (box true) "bool"
            Expect.sequenceEqual (get plain "tuple" :?> obj[]) [ box 1L; box "a" ] "tuple"
            Expect.sequenceEqual (get plain "list" :?> Collections.Generic.List<obj>) [ box 1.5; box 2L ] "list"
            Expect.sequenceEqual (get plain "bytes" :?> byte[]) [ 0uy; 255uy ] "bytes (protocol 2 writes them through _codecs.encode)"
            Expect.isTrue ((get plain "set" :?> Collections.Generic.HashSet<obj>).SetEquals [ box 4L; box 5L ]) "set"
            Expect.sequenceEqual (get plain "size" :?> obj[]) [ box 2L; box 3L ] "torch.Size"
            let intKey = plain.Entries |> Seq.find (fun e -> e.Key = box 7L)
            Expect.equal intKey.Value (box "int key") "an integer key"
        }
        test "what PyTorch 2.x writes: folder 'archive', byteorder, tensor metadata, parameters with state, _rebuild_from_type_v2" {
            use _ = torch.NewDisposeScope()
            use file = TorchFile.Open(fixture "values_torch2.pt")
            let root = file.Root :?> PickledDict
            let expected = Safetensors.Load(fixture "values_torch2.expected.safetensors")
            Expect.equal root.Count 3 "entries"
            for KeyValue(key, value) in root.Entries do
                Expect.isTrue (same (file.ReadTensor(value :?> PickledTensor)) expected[string key]) (string key)
        }
    ]

let private checkpointTests =
    testList "checkpoints" [
        test "linear_probing is picked, mil_model. and module. stripped, video_encoder keys set aside" {
            use _ = torch.NewDisposeScope()
            let c = ReferenceCheckpoint.Read checkpoint
            Expect.isTrue c.FromReferenceRunner "a runner checkpoint"
            Expect.equal c.Epoch (Nullable 3L) "its epoch"
            Expect.sequenceEqual c.EncoderKeys [ "video_encoder.weight"; "video_encoder.bias" ] "encoder keys"
            Expect.equal (Seq.head c.Tensors.Keys) "cls_token" "model keys"
            let bare = ReferenceCheckpoint.Read(Path.Combine(checkpointDir, "mil_state_dict.pt"))
            Expect.isFalse bare.FromReferenceRunner "a bare state_dict"
            Expect.isFalse bare.Epoch.HasValue "no epoch"
            Expect.sequenceEqual c.Tensors.Keys bare.Tensors.Keys "the same keys as the MIL model's own state_dict"
            for KeyValue(k, t) in bare.Tensors do
                Expect.isTrue (same (c.Tensors[k]) t) (k + ": the same values")
        }
        test "the model key of every layout the reference writes" {
            for key, expected in
                [
                    "mil_model.module.heads.a.weight", "heads.a.weight" // training: wrapper, DDP inside
                    "module.mil_model.cls_token", "cls_token" // inference: DDP around the wrapper
                    "mil_model.cls_norm_across.bias", "cls_norm_across.bias"
                    "module.cls_attention.in_proj_bias", "cls_attention.in_proj_bias"
                    "cls_token", "cls_token"
                ] do
                Expect.equal (ReferenceCheckpoint.ModelKey key) expected key
            Expect.isNull (ReferenceCheckpoint.ModelKey "module.video_encoder.model.conv.weight") "encoder keys are not the model's"
        }
        test "import then infer equals PyTorch's outputs, and infer reads the .pt itself" {
            use _ = torch.NewDisposeScope()
            let dir = tempDir ()
            let weights = Path.Combine(dir, "best.safetensors")
            let code, out, err = deepcoro [ "import"; "--config"; checkpointConfig; "--checkpoint"; checkpoint; "--output"; weights ]
            Expect.equal code 0 err
            Expect.stringContains out "19 tensors" "says what it wrote"
            Expect.stringContains out "(epoch 3)" "and from which epoch"
            Expect.stringContains out "not used: 2 video_encoder.* keys" "reports the encoder keys"
            let metadata = Safetensors.ReadHeader(weights).Metadata
            Expect.equal metadata["source"] (Path.GetFullPath checkpoint) "names its source"
            Expect.equal metadata["epoch"] "3" "and its epoch"
            let expected = Safetensors.Load io
            for w in [ weights; checkpoint ] do
                let output = Path.Combine(dir, Path.GetFileName w + ".out.safetensors")
                let code, _, err = deepcoro [ "infer"; "--config"; checkpointConfig; "--weights"; w; "--inputs"; io; "--output"; output ]
                Expect.equal code 0 err
                let actual = Safetensors.Load output
                for head in [ "cathEF"; "stenosis"; "contrast" ] do
                    let key = "out." + head
                    Expect.sequenceEqual actual[key].shape expected[key].shape key
                    Expect.isLessThanOrEqual (maxAbsDifference actual[key] expected[key]) 1e-5 (sprintf "%s from %s" key w)
        }
        test "shared attention in the config against the reference's separate layers: the keys and as_reference_built" {
            let config = Path.Combine(tempDir (), "shared.yaml")
            File.WriteAllText(
                config,
                (File.ReadAllText checkpointConfig).Replace("  input_rank: 4", "  input_rank: 4\n  separate_video_attention: false")
            )
            let out = Path.Combine(tempDir (), "best.safetensors")
            refused [ "import"; "--config"; config; "--checkpoint"; checkpoint; "--output"; out ] [
                checkpoint
                "missing keys: cls_attention.in_proj_weight"
                "unexpected keys: cls_attention_within.in_proj_weight"
                "cls_attention_across.out_proj.bias"
                "as_reference_built: true"
            ]
            |> ignore
            Expect.isFalse (File.Exists out) "nothing written"
            Expect.isEmpty (Directory.GetFiles(Path.GetDirectoryName out)) "no temporary file left"
        }
        test "other heads in the config are named" {
            let config = Path.Combine(tempDir (), "heads.yaml")
            File.WriteAllText(config, (File.ReadAllText checkpointConfig).Replace("contrast: 2", "calcification: 2"))
            refused [ "import"; "--config"; config; "--checkpoint"; checkpoint; "--output"; Path.Combine(tempDir (), "w.safetensors") ] [
                "missing keys: heads.calcification.weight"
                "the checkpoint has [contrast] that the config lacks, the config [calcification]"
            ]
            |> ignore
        }
        test "heads or norm other than the reference built: the weights load, with a warning naming the level" {
            let config = Path.Combine(tempDir (), "prenorm.yaml")
            File.WriteAllText(
                config,
                (File.ReadAllText checkpointConfig)
                    .Replace("  input_rank: 4", "  input_rank: 4\n  num_attention_heads: 4\n  normalization_strategy: pre_norm")
            )
            let code, _, err =
                deepcoro [ "import"; "--config"; config; "--checkpoint"; checkpoint; "--output"; Path.Combine(tempDir (), "w.safetensors") ]
            Expect.equal code 0 err
            Expect.stringContains err "warning: " "a warning"
            Expect.stringContains err "8 heads and post-norm" "what the reference builds"
            Expect.stringContains err "clsToken over tokens with 4 heads, pre-norm" "what the config builds"
            Expect.stringContains err "as_reference_built: true" "the way out, as the config key"
        }
    ]

let private refusalTests =
    testList "refused" [
        test "a pickle calling os.system is refused by name and runs nothing" {
            if File.Exists maliciousMarker then
                File.Delete maliciousMarker
            for name in [ "malicious.pt"; "malicious_legacy.pt" ] do
                unreadable (fixture name) [ "refused"; "'posix.system'" ]
                let e = raises<DataException>(fun () -> EmbeddingArray.Load(fixture name) |> ignore)
                Expect.stringContains e.Message "'posix.system'" "names the function"
                refused [
                    "import"
                    "--config"
                    checkpointConfig
                    "--checkpoint"
                    fixture name
                    "--output"
                    Path.Combine(tempDir (), "w.safetensors")
                ] [ fixture name; "'posix.system'" ]
                |> ignore
            Expect.isFalse (File.Exists maliciousMarker) "the command never ran"
        }
        test "any other class is refused by name" {
            unreadable (fixture "foreign_class.pt") [ "'argparse.Namespace'"; "only tensors, state_dicts" ]
        }
        test "truncated, corrupt and foreign files are refused in one line naming them" {
            let cases = [
                damaged checkpoint (fun b -> b[.. b.Length / 2]), [ "truncated or corrupt" ]
                damaged (fixture "embedding_legacy.pt") (fun b -> b[.. b.Length - 10]), [ "truncated: storage"; "ends at byte" ]
                damaged (fixture "embedding_legacy.pt") (fun b -> b[..200]), [ "truncated" ]
                rewritten checkpoint "data.pkl" (fun b -> b[.. b.Length - 40]), [ "truncated or corrupt: the pickle ends" ]
                rewritten checkpoint "data.pkl" (fun b -> Array.updateAt 2 0xffuy b), [ "corrupt"; "unknown pickle opcode 0xff at byte 2" ]
                rewritten (fixture "embedding_f32.pt") "data/0" (fun b -> b[..99]), [ "storage 0 holds 100 bytes"; "need 2304" ]
                rewritten (fixture "embedding_bigendian.pt") "byteorder" (fun _ -> "middle"B), [ "byteorder says 'middle'" ]
                damaged checkpoint (fun _ -> "linear_probing: not a pickle"B), [ "not a torch.save file" ]
                damaged checkpoint (fun _ -> [||]), [ "not a torch.save file" ]
                damaged checkpoint (fun _ -> File.ReadAllBytes(fixture "videos/video0.npy")), [ "not a torch.save file" ]
            ]
            for path, fragments in cases do
                unreadable path fragments
            let zip = Path.Combine(tempDir (), "other.pt")
            do
                use archive = ZipFile.Open(zip, ZipArchiveMode.Create)
                use s = archive.CreateEntry("notes/readme.txt").Open()
                s.Write("hello"B, 0, 5)
            unreadable zip [ "not one written by torch.save" ]
        }
        test "a file that is not a checkpoint, for import" {
            let out = Path.Combine(tempDir (), "w.safetensors")
            let import (path: string) = [ "import"; "--config"; checkpointConfig; "--checkpoint"; path; "--output"; out ]
            refused (import (fixture "embedding_f32.pt")) [ "holds a single tensor"; "expected a DeepCORO_CLIP checkpoint" ] |> ignore
            refused (import (fixture "values.pt")) [ "neither a DeepCORO_CLIP checkpoint"; "[tensors, parameter, plain]" ] |> ignore
            refused (import "/nonexistent/best.pt") [ "/nonexistent/best.pt: file not found" ] |> ignore
            refused (import io) [ "missing keys: cls_token" ] |> ignore
            refused (import checkpointConfig) [ "weights must be a .safetensors file or a PyTorch .pt/.pth file" ] |> ignore
            Expect.isFalse (File.Exists out) "nothing written"
        }
    ]

/// One run of `train` on a synthetic dataset whose manifest points at copies of the fixture videos (.pt or .npy).
let private trainOn (extension: string) =
    let dir, config = TrainingTests.dataset 12 2 id
    let videos = Path.Combine(dir, "videos")
    Directory.CreateDirectory videos |> ignore
    for f in Directory.GetFiles(fixture "videos") do
        File.Copy(f, Path.Combine(videos, Path.GetFileName f))
    let manifest = Path.Combine(dir, SyntheticData.Manifest)
    let lines = File.ReadAllLines manifest
    let rows =
        lines[1..]
        |> Array.mapi (fun i line ->
            let fields = line.Split 'α'
            String.Join("α", Array.updateAt 2 (sprintf "videos/video%d%s" (i % 8) extension) fields))
    File.WriteAllLines(manifest, Array.append [| lines[0] |] rows)
    let run = Path.Combine(dir, "run")
    TrainingTests.trainRun config run false TrainingTests.silent |> ignore
    Safetensors.Load(Path.Combine(run, "best.safetensors")), File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))

let private trainingTests =
    testList "training" [
        test ".pt embeddings (float32 and float16) train exactly as their NumPy twins" {
            use _ = torch.NewDisposeScope()
            let ptWeights, ptMetrics = trainOn ".pt"
            let npyWeights, npyMetrics = trainOn ".npy"
            Expect.equal ptMetrics.Length npyMetrics.Length "epochs"
            Expect.sequenceEqual ptWeights.Keys npyWeights.Keys "keys"
            for KeyValue(k, t) in npyWeights do
                Expect.isTrue (same (ptWeights[k]) t) (k + ": the same trained weights")
        }
    ]

[<Tests>]
let tests = testList "torch files" [ embeddingTests; valueTests; checkpointTests; refusalTests; trainingTests ]
