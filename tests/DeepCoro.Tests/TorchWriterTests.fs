/// The .pt writer: what it writes reads back through the restricted reader, the study embeddings are DeepCORO_CLIP's
/// dict, and its bytes for a fixed input equal a committed file that PyTorch 1.13 loaded (tools/check_pt_writer.py).
module DeepCoro.Tests.TorchWriterTests

open System
open System.Collections.Generic
open System.IO
open Expecto
open TorchSharp
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.IO.Torch
open DeepCoro.Runtime.Training
open DeepCoro.Tests.TestSupport

/// Written by this writer for `fixedEmbeddings` and loaded by torch.load with tools/check_pt_writer.py.
let private torchFixtures = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "torch")
let private expectedFile = Path.Combine(torchFixtures, "written", "study_embeddings.pt")

/// DeepCORO_CLIP's study embeddings dict, in its order (runners/linear_probing_runner.py, _save_embeddings).
let private referenceKeys = [ box "study_ids"; box "embeddings"; box "embedding_dim" ]

/// The exception of type 'E that `f` raises (the test fails if it raises none).
let private raises<'E when 'E :> exn> (f: unit -> unit) : 'E =
    try
        f ()
        failtestf "expected a %s" typeof<'E>.Name
    with :? 'E as e ->
        e

let private dictOf (entries: (obj * obj) list) =
    let d = PickledDict()
    for k, v in entries do
        d.Set(k, v)
    d

let private entries (value: obj) =
    match value with
    | :? PickledDict as d -> [ for e in d.Entries -> e.Key, e.Value ]
    | other -> failtestf "expected a dict, got %A" other

let private listOf (value: obj) =
    match value with
    | :? List<obj> as l -> List.ofSeq l
    | other -> failtestf "expected a list, got %A" other

let private tensorOf (file: TorchFile) (value: obj) =
    match value with
    | :? PickledTensor as t -> file.ReadTensor t
    | other -> failtestf "expected a tensor, got %A" other

/// Three studies of width 4 in two batches: what tools/check_pt_writer.py expects in the committed file.
let private fixedEmbeddings () =
    use _ = torch.NewDisposeScope()
    let values = Array.init 12 (fun i -> float32 (i - 5) * 0.25f)
    let all = torch.tensor(values).reshape(3L, 4L)
    let e = StudyEmbeddings()
    e.Add([ "study-1"; "study-2" ], all.narrow (0, 0L, 2L))
    e.Add([ "étude-3" ], all.narrow (0, 2L, 1L))
    e

let private roundTripTests =
    testList "round trip" [
        test "plain values, key order, shapes and tensor values come back through the restricted reader" {
            use _ = torch.NewDisposeScope()
            let big = torch.linspace(-1.0, 1.0, 300L * 1000L).reshape(300L, 1000L) // more than one 1 MiB chunk
            let longs = torch.tensor([| Int64.MinValue; -1L; 0L; 1L; Int64.MaxValue; 1L <<< 40 |]).reshape(2L, 3L)
            let transposed = torch.arange(6.0f).reshape(2L, 3L).t()
            let ids = [ for i in 1..2500 -> sprintf "study-%04d" i ] // batches of 1000 and memo indices past 255
            let integers = [
                0L
                255L
                256L
                65535L
                65536L
                -1L
                int64 Int32.MinValue
                1L <<< 31
                -(1L <<< 39)
                Int64.MinValue
                Int64.MaxValue
            ]
            let thousand = dictOf [ for i in 0..999 -> box (int64 i), box (string i) ]
            let root =
                dictOf [
                    "study_ids", box (List<string> ids)
                    "embeddings", box big
                    "embedding_dim", box 1000
                    "longs", box longs
                    "transposed", box transposed
                    "scalar", box (torch.tensor 2.5f)
                    "empty", box (torch.zeros (0L, 4L))
                    "integers", box (List<obj>(integers |> List.map box))
                    "floats", box [| box 0.1; box -1.5f; box Double.NegativeInfinity |]
                    "plain",
                    box [| null; box true; box false; box "λ ünïcode"; box (List<obj>()); box (PickledDict()); box [| box [| box 1 |] |] |]
                    "thousand", box thousand
                    "single", box (dictOf [ box 7, box "int key" ])
                ]
            let path = Path.Combine(tempDir (), "values.pt")
            TorchFileWriter.Save(path, root)
            use file = TorchFile.Open path
            let back = entries file.Root
            Expect.sequenceEqual (back |> List.map fst) (entries root |> List.map fst) "keys in insertion order"
            let get key = back |> List.find (fun (k, _) -> k = box key) |> snd
            Expect.sequenceEqual (listOf (get "study_ids")) (ids |> List.map box) "2500 strings"
            let tensors = [
                "embeddings", big
                "longs", longs
                "transposed", transposed
                "scalar", torch.tensor 2.5f
                "empty", torch.zeros (0L, 4L)
            ]
            for name, expected in tensors do
                let actual = tensorOf file (get name)
                Expect.equal actual.dtype expected.dtype (name + ": dtype")
                Expect.sequenceEqual actual.shape expected.shape (name + ": shape")
                Expect.isTrue (actual.equal(expected).all().item<bool>()) (name + ": values, exactly")
            Expect.equal (get "embedding_dim") (box 1000L) "an int"
            Expect.sequenceEqual (listOf (get "integers")) (integers |> List.map box) "every integer opcode's range"
            Expect.sequenceEqual (listOf (get "floats")) [ box 0.1; box -1.5; box Double.NegativeInfinity ] "floats as Python's doubles"
            match listOf (get "plain") with
            | [ none; t; f; text; emptyList; emptyDict; nested ] ->
                Expect.isNull none "None"
                Expect.equal (t, f) (box true, box false) "bools"
                Expect.equal text (box "λ ünïcode") "UTF-8 text"
                Expect.isEmpty (listOf emptyList) "an empty list"
                Expect.isEmpty (entries emptyDict) "an empty dict"
                Expect.equal (listOf (listOf nested |> List.exactlyOne)) [ box 1L ] "a nested list"
            | other -> failtestf "plain: %A" other
            Expect.sequenceEqual (entries (get "thousand")) (entries thousand) "a dict of exactly one batch"
            Expect.equal (entries (get "single")) [ box 7L, box "int key" ] "an integer key"
        }
        test "a tensor of another type or a value that is not plain is refused, and no file is left" {
            use _ = torch.NewDisposeScope()
            let dir = tempDir ()
            let path = Path.Combine(dir, "refused.pt")
            let refused (value: obj) fragment =
                let e = raises<ArgumentException>(fun () -> TorchFileWriter.Save(path, dictOf [ "x", value ]))
                Expect.stringContains e.Message fragment "says what is written and what it got"
            refused (torch.zeros ([| 2L |], torch.float16)) "float32 or int64 tensors, not Float16: convert it"
            refused (DateTime.Now) "not a DateTime"
            Expect.isEmpty (Directory.GetFiles dir) "nothing written, not even a temporary file"
        }
    ]

let private studyEmbeddingTests =
    testList "study embeddings" [
        test "a .pt path gets DeepCORO_CLIP's dict: study_ids, embeddings [N, W] float32, embedding_dim" {
            use _ = torch.NewDisposeScope()
            let path = Path.Combine(tempDir (), "study_embeddings.pt")
            (fixedEmbeddings ()).Save path
            use file = TorchFile.Open path
            let back = entries file.Root
            Expect.sequenceEqual (back |> List.map fst) referenceKeys "the reference's keys, in its order"
            let get key = back |> List.find (fun (k, _) -> k = box key) |> snd
            Expect.sequenceEqual (listOf (get "study_ids")) [ box "study-1"; box "study-2"; box "étude-3" ] "ids in row order"
            let embeddings = tensorOf file (get "embeddings")
            Expect.equal embeddings.dtype torch.float32 "float32"
            Expect.sequenceEqual embeddings.shape [ 3L; 4L ] "[N, W]"
            Expect.sequenceEqual (embeddings.data<float32>().ToArray()) (Array.init 12 (fun i -> float32 (i - 5) * 0.25f)) "rows as added"
            Expect.equal (get "embedding_dim") (box 4L) "W as an int"
        }
        test "the bytes for a fixed input equal the committed file PyTorch loaded (tools/check_pt_writer.py)" {
            let path = Path.Combine(tempDir (), "study_embeddings.pt")
            (fixedEmbeddings ()).Save path
            let actual, expected = File.ReadAllBytes path, File.ReadAllBytes expectedFile
            if actual <> expected then
                failtestf
                    "%s (%d bytes) differs from %s (%d bytes); if the format change is meant, copy it there and run \
                           /usr/bin/python3 tools/check_pt_writer.py on it"
                    path
                    actual.Length
                    expectedFile
                    expected.Length
        }
        test "deepcoro run in inference writes embedding_output_file .pt as the reference's torch.save dict" {
            let io, dir, embeddings, csv = ReferenceConfigTests.inferenceData ()
            let config = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "reference", "inference.yaml")
            let checkpoint = Path.Combine(torchFixtures, "checkpoint", "best_model_epoch_3.pt")
            let out = Path.Combine(dir, "run")
            let code, stdout, err =
                CliTests.deepcoro [
                    "run"
                    "--config"
                    config
                    "--set"
                    "data_filename=" + csv
                    "--set"
                    "embedding_dim=16"
                    "--set"
                    "inference_model_path=" + checkpoint
                    "--set"
                    "embedding_output_file=study_embeddings.pt"
                    "--embeddings"
                    embeddings
                    "--output"
                    out
                ]
            Expect.equal code 0 (sprintf "exit code; stderr: %s" err)
            let path = Path.Combine(out, "predictions", "study_embeddings.pt")
            Expect.stringContains stdout (sprintf "wrote %s: 3 study embeddings" path) "reported"
            use file = TorchFile.Open path
            let back = entries file.Root
            Expect.sequenceEqual (back |> List.map fst) referenceKeys "the reference's keys"
            Expect.sequenceEqual (listOf (back.[0] |> snd)) [ box "s0"; box "s1"; box "s2" ] "study ids"
            Expect.sequenceEqual (tensorOf file (back.[1] |> snd)).shape [ 3L; 16L ] "one pooled vector per study"
            Expect.equal (back.[2] |> snd) (box 16L) "embedding_dim"
        }
    ]

[<Tests>]
let tests = testList "torch writer" [ roundTripTests; studyEmbeddingTests ]
