/// Hostile inputs for every reader, made by FsCheck from valid files: truncated, bytes flipped, numbers pushed to
/// extremes, values of the wrong type, deep nesting, alias bombs, repeated keys and rows. Each case runs in-process on
/// a thread of its own under a time and memory budget, and must end one of two ways: accepted and valid, or refused
/// with a user error (one line, or for the YAML and IR readers, which report every problem at once, one located line
/// per problem); never another exception, a hang, or a half-written file. Seeded: a failure prints its case, and the
/// same seed replays it. CI runs 200 cases per reader; `dotnet fsi build.fsx fuzz` runs DEEPCORO_FUZZ_CASES (5000).
module DeepCoro.Tests.FuzzTests

open System
open System.IO
open System.Text
open System.Text.Json.Nodes
open System.Text.RegularExpressions
open System.Threading
open Expecto
open FsCheck
open FsCheck.FSharp
open DeepCoro.Spec
open DeepCoro.Dsl
open type DeepCoro.Dsl.Dsl
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Model
open DeepCoro.Runtime.Sweeps
open DeepCoro.Runtime.Training
open DeepCoro.Config
open DeepCoro.Tests.TestSupport

let private cases =
    match Environment.GetEnvironmentVariable "DEEPCORO_FUZZ_CASES" with
    | null
    | "" -> 200
    | n -> int n

/// One corrupted input and how it was made: FsCheck prints it when a case fails.
type Hostile = {
    How: string
    Bytes: byte[]
} with

    override h.ToString() = sprintf "%s (%d bytes)" h.How h.Bytes.Length

let private text (bytes: byte[]) = Encoding.UTF8.GetString bytes
let private hostile how (bytes: byte[]) = { How = how; Bytes = bytes }
let private hostileText how (s: string) = hostile how (Encoding.UTF8.GetBytes s)

// ---------------------------------------------------------------- the harness

/// Generous for a shared 2-core machine: a correct reader takes milliseconds on these small files.
let private timeBudget = TimeSpan.FromSeconds 30.0
let private memoryBudget = 512L <<< 20

/// Runs `read` on a thread with a 1 MB stack (deep recursion on a small file is a defect, so it shows here first)
/// within the time and memory budget: its value, or the message of a user error; any other exception fails the case.
let private guarded (case: Hostile) (read: unit -> 'T) : Result<'T, string> =
    let outcome = ref None
    let thread =
        Thread(
            ThreadStart(fun () ->
                outcome.Value <-
                    Some(
                        try
                            Ok(read ())
                        with e ->
                            Error e
                    )),
            1 <<< 20,
            IsBackground = true
        )
    let before = GC.GetTotalAllocatedBytes false
    let clock = Diagnostics.Stopwatch.StartNew()
    thread.Start()
    let overBudget () = GC.GetTotalAllocatedBytes false - before > memoryBudget
    while not (thread.Join 20) do
        if clock.Elapsed > timeBudget then
            failtestf "%O: still running after %O (a hang)" case timeBudget
        if overBudget () then
            failtestf "%O: allocated over %d MB while reading" case (memoryBudget >>> 20)
    if overBudget () then
        failtestf "%O: allocated over %d MB while reading" case (memoryBudget >>> 20)
    match outcome.Value with
    | Some(Ok v) -> Ok v
    | Some(Error e) ->
        match UserError.messageOf e with
        | Some m -> Error m
        | None -> failtestf "%O: %s instead of a user error: %O" case (e.GetType().Name) e
    | None -> failtestf "%O: the reader ended without an outcome" case

let private expectOneLine (case: Hostile) (message: string) =
    if message.Contains '\n' || message.Trim() = "" then
        failtestf "%O: a refusal that is not one line: %s" case message

/// Every line names the file and the place in it (`file:line:col:` for YAML, `file(line,col)` or `file:` for IR).
let private expectLocated (file: string) (case: Hostile) (message: string) =
    for line in message.Split '\n' do
        if not (line.StartsWith(file + ":") || line.StartsWith(file + "(")) then
            failtestf "%O: a refusal line that does not name %s: %s" case file line

let private property name (seed: uint64) (gen: Gen<Hostile>) (check: Hostile -> unit) =
    let config = { FsCheckConfig.defaultConfig with maxTest = cases; replay = Some(seed, 0x9E3779B97F4A7C15UL, None) }
    testPropertyWithConfig config name (Prop.forAll (Arb.fromGen gen) check)

// ---------------------------------------------------------------- corruptions common to every format

let private truncated (valid: byte[]) =
    Gen.choose (0, valid.Length - 1) |> Gen.map (fun n -> hostile (sprintf "truncated to %d bytes" n) valid[.. n - 1])

let private flipped (valid: byte[]) =
    gen {
        let! count = Gen.choose (1, 8)
        let! flips = Gen.listOfLength count (Gen.zip (Gen.choose (0, valid.Length - 1)) (Gen.choose (1, 255)))
        let bytes = Array.copy valid
        for (at, mask) in flips do
            bytes[at] <- bytes[at] ^^^ byte mask
        return hostile (sprintf "bytes flipped at %A" (flips |> List.map fst)) bytes
    }

let private damaged (valid: byte[]) = Gen.oneof [ truncated valid; flipped valid ]

/// Numbers that break arithmetic: zero, negatives, 2^31, 2^32, 2^62, the largest long, huge and tiny floats.
let private extremeIntegers = [ 0L; -1L; 1L; 2147483647L; 2147483648L; 4294967296L; 4611686018427387904L; Int64.MaxValue ]

let private extremeJson () : JsonNode list =
    (extremeIntegers |> List.map (fun i -> JsonValue.Create i :> JsonNode))
    @ [
        JsonValue.Create 2000000000
        JsonValue.Create 1e308
        JsonValue.Create 1.5
        JsonValue.Create -0.0
        JsonValue.Create "1"
        JsonValue.Create "x"
        JsonValue.Create true
        null
        JsonArray()
        JsonObject()
    ]

let private nested (depth: int) = String.replicate depth "[" + String.replicate depth "]"

let private clone (v: JsonNode) = if isNull v then null else v.DeepClone()

// ---------------------------------------------------------------- safetensors

let private fuzzSpec = hierarchy [ mean over videos ] |> heads [ regression "y"; classification "c" 3 ] |> model "Fuzz" 8

type private SafetensorsFixture = { Dir: string; Valid: byte[]; Ir: string; Inputs: string }

let private safetensorsFixture =
    lazy
        let dir = tempDir ()
        let weights = Path.Combine(dir, "valid.safetensors")
        use m = new MilModel(ModelPlan.Of fuzzSpec)
        Safetensors.Save(weights, StateDict.Of m)
        let ir = Path.Combine(dir, "fuzz.ir.json")
        File.WriteAllText(ir, SpecJson.Write fuzzSpec)
        let inputs = Path.Combine(dir, "inputs.safetensors")
        use x = TorchSharp.torch.randn (2L, 3L, 8L)
        use mask = TorchSharp.torch.ones ([| 2L; 3L |], TorchSharp.torch.ScalarType.Bool)
        Safetensors.Save(inputs, [ Collections.Generic.KeyValuePair("x", x); Collections.Generic.KeyValuePair("mask", mask) ])
        { Dir = dir; Valid = File.ReadAllBytes weights; Ir = ir; Inputs = inputs }

/// The framing of a safetensors file: header length, header JSON, data.
let private split (bytes: byte[]) =
    let length = int (BitConverter.ToInt64(bytes, 0))
    Encoding.UTF8.GetString(bytes, 8, length), bytes[8 + length ..]

let private frame (header: byte[]) (data: byte[]) = Array.concat [ BitConverter.GetBytes(int64 header.Length); header; data ]

/// Edits of the header JSON that keep the framing valid, so the reader gets past it to the entries.
let private headerEdits (valid: byte[]) =
    let headerText, data = split valid
    let keys = (JsonNode.Parse headerText).AsObject() |> Seq.map (fun kv -> kv.Key) |> Seq.filter ((<>) "__metadata__") |> List.ofSeq
    let edit how (change: JsonObject -> unit) =
        let header = (JsonNode.Parse headerText).AsObject()
        change header
        hostile how (frame (Encoding.UTF8.GetBytes(header.ToJsonString())) data)
    let raw how (header: string) = hostile how (frame (Encoding.UTF8.GetBytes header) data)
    gen {
        let! key = Gen.elements keys
        let! other = Gen.elements keys
        let! value = Gen.elements (extremeJson ())
        let! field = Gen.elements [ "dtype"; "shape"; "data_offsets" ]
        let! index = Gen.choose (0, 2)
        let! dtype = Gen.elements [ "F32"; "F16"; "BF16"; "F64"; "I64"; "BOOL"; "U8"; "X"; "" ]
        let! depth = Gen.elements [ 10; 100; 10000 ]
        let entry (h: JsonObject) = h[key].AsObject()
        let entryJson = ((JsonNode.Parse headerText)[key]).ToJsonString()
        let setAt (array: JsonNode) (v: JsonNode) =
            let a = array.AsArray()
            if index < a.Count then a[index] <- v else a.Add v
        // sizes and offsets first: where arithmetic overflowed and tensors overlapped
        return!
            Gen.elements [
                edit (sprintf "'%s' shape[%d] = %O" key index value) (fun h -> setAt (entry h).["shape"] (clone value))
                edit (sprintf "'%s' shape[%d] = %O" key index value) (fun h -> setAt (entry h).["shape"] (clone value))
                edit (sprintf "'%s' shape[%d] = %O" key index value) (fun h -> setAt (entry h).["shape"] (clone value))
                edit (sprintf "'%s' data_offsets[%d] = %O" key index value) (fun h -> setAt (entry h).["data_offsets"] (clone value))
                edit (sprintf "'%s' data_offsets[%d] = %O" key index value) (fun h -> setAt (entry h).["data_offsets"] (clone value))
                edit (sprintf "'%s' takes the data_offsets of '%s'" key other) (fun h ->
                    (entry h).["data_offsets"] <- clone h.[other].["data_offsets"])
                edit (sprintf "'%s' takes the data_offsets of '%s'" key other) (fun h ->
                    (entry h).["data_offsets"] <- clone h.[other].["data_offsets"])
                edit (sprintf "'%s' dtype %s" key dtype) (fun h -> (entry h)["dtype"] <- JsonValue.Create dtype)
                edit (sprintf "'%s' loses %s" key field) (fun h -> (entry h).Remove field |> ignore)
                edit (sprintf "'%s' %s = %O" key field value) (fun h -> (entry h)[field] <- (clone value))
                edit (sprintf "'%s' entry = %O" key value) (fun h -> h[key] <- (clone value))
                edit (sprintf "__metadata__ = %O" value) (fun h -> h["__metadata__"] <- (clone value))
                edit "__metadata__ with a number" (fun h ->
                    h["__metadata__"] <- JsonObject([ Collections.Generic.KeyValuePair("a", JsonValue.Create 1 :> JsonNode) ]))
                raw (sprintf "'%s' repeated" key) (headerText.Insert(1, sprintf "\"%s\":%s," key entryJson))
                raw (sprintf "'%s' renamed to a lone surrogate" key) (headerText.Replace((sprintf "\"%s\"" key), "\"\\ud800\""))
                raw
                    (sprintf "'%s' shape nested %d deep" key depth)
                    (headerText.Replace((sprintf "\"%s\":{" key), (sprintf "\"%s\":{\"x\":%s," key (nested depth))))
                hostile
                    (sprintf "'%s' renamed to invalid UTF-8" key)
                    (frame
                        (Array.concat [
                            [| byte '{'; byte '"'; 0xFFuy; 0xC3uy; byte '"'; byte ':' |]
                            Encoding.UTF8.GetBytes entryJson
                            Encoding.UTF8.GetBytes("," + headerText[1..])
                        ])
                        data)
            ]
    }

let private lengthEdits (valid: byte[]) =
    let length = BitConverter.ToInt64(valid, 0)
    Gen.elements [ 0L; -1L; Int64.MaxValue; length + 1L; length - 1L; int64 valid.Length; 100_000_001L ]
    |> Gen.map (fun n -> hostile (sprintf "header length field %d" n) (Array.append (BitConverter.GetBytes n) valid[8..]))

/// NaN or an infinity written over one float of the data: reads, but `infer` must refuse such weights.
let private poisoned (valid: byte[]) =
    let headerText, data = split valid
    gen {
        let! at = Gen.choose (0, data.Length / 4 - 1)
        let! value = Gen.elements [ nanf; infinityf; -infinityf ]
        let copy = Array.copy data
        BitConverter.GetBytes(value: float32).CopyTo(copy, at * 4)
        return hostile (sprintf "%g at float %d of the data" value at) (frame (Encoding.UTF8.GetBytes headerText) copy)
    }

let private safetensorsGen =
    let valid = safetensorsFixture.Value.Valid
    Gen.frequency [ 2, damaged valid; 5, headerEdits valid; 1, lengthEdits valid; 1, poisoned valid ]

let private elementSize (t: TorchSharp.torch.Tensor) = t.ElementSize

/// Stderr of an in-process command, with its exit code.
let private captured (args: string array) =
    let err = new StringWriter()
    let old = Console.Error
    Console.SetError err
    try
        let code = DeepCoro.Cli.Program.execute args
        code, err.ToString().Trim()
    finally
        Console.SetError old

let private safetensorsTests =
    testList "safetensors" [
        property "the reader accepts consistent files and refuses the rest in one line" 0x5AFEUL safetensorsGen (fun case ->
            let f = safetensorsFixture.Value
            let path = Path.Combine(f.Dir, "case.safetensors")
            File.WriteAllBytes(path, case.Bytes)
            match
                guarded case (fun () ->
                    let header = Safetensors.ReadHeader path
                    let tensors = Safetensors.Load path
                    try
                        for e in header.Entries do
                            let t = tensors[e.Key]
                            if not (Seq.forall2 (=) t.shape e.Shape) || t.NumberOfElements * elementSize t <> e.End - e.Begin then
                                failtestf
                                    "%O: '%s' read as [%s], the header says %A over %d bytes"
                                    case
                                    e.Key
                                    (String.Join(", ", t.shape))
                                    e.Shape
                                    (e.End - e.Begin)
                    finally
                        for t in tensors.Values do
                            t.Dispose())
            with
            | Ok() -> ()
            | Error m -> expectOneLine case m)

        property "infer with hostile weights writes a whole output or none, and says why in one line" 0x1F3EUL safetensorsGen (fun case ->
            let f = safetensorsFixture.Value
            let weights = Path.Combine(f.Dir, "weights.safetensors")
            File.WriteAllBytes(weights, case.Bytes)
            let outDir = Path.Combine(f.Dir, "out")
            if Directory.Exists outDir then
                Directory.Delete(outDir, true)
            let output = Path.Combine(outDir, "out.safetensors")
            match
                guarded case (fun () ->
                    captured [| "infer"; "--config"; f.Ir; "--weights"; weights; "--inputs"; f.Inputs; "--output"; output |])
            with
            | Ok(0, _) ->
                let written = Safetensors.Load output
                Expect.sequenceEqual (written.Keys |> Seq.sort) [ "out.c"; "out.y" ] (sprintf "%O: the output's tensors" case)
                for t in written.Values do
                    t.Dispose()
            | Ok(1, message) ->
                expectOneLine case message
                Expect.stringStarts message "error: " (sprintf "%O: the refusal" case)
                Expect.isFalse (File.Exists output) (sprintf "%O: refused, yet an output was written" case)
                if Directory.Exists outDir then
                    Expect.isEmpty (Directory.GetFiles outDir) (sprintf "%O: files left behind" case)
            | Ok(code, message) -> failtestf "%O: exit code %d: %s" case code message
            | Error m -> failtestf "%O: the command line let an error escape: %s" case m)
    ]

// ---------------------------------------------------------------- .npy

let private npyValid =
    lazy
        use stream = new MemoryStream()
        Npy.WriteFloat32(stream, ReadOnlySpan<float32>(Array.init 32 float32), [| 4L; 8L |])
        stream.ToArray()

/// A .npy file with the given header dictionary text (version 1, data as given).
let private npyWith (version: byte) (dict: string) (data: byte[]) =
    let header = dict + "\n"
    Array.concat [
        [| 0x93uy; byte 'N'; byte 'U'; byte 'M'; byte 'P'; byte 'Y'; version; 0uy |]
        BitConverter.GetBytes(uint16 header.Length)
        Encoding.Latin1.GetBytes header
        data
    ]

let private npyGen =
    let valid = npyValid.Value
    let data = valid[valid.Length - 128 ..]
    // one field of a valid header changed at a time, so each reaches the check it aims at
    let structural =
        let valid = [ "descr", "'<f4'"; "fortran_order", "False"; "shape", "(4, 8)" ]
        let dict fields = "{" + String.concat ", " (fields |> List.map (fun (k, v) -> sprintf "'%s': %s" k v)) + ", }"
        let change key value = valid |> List.map (fun (k, v) -> k, (if k = key then value else v))
        gen {
            let! descr = Gen.elements [ "'<f2'"; "'=f4'"; "'<f8'"; "'>f4'"; "'|b1'"; "'<i8'"; "'xx'"; "''"; "4" ]
            let! fortran = Gen.elements [ "True"; "maybe" ]
            let! shape =
                Gen.elements [
                    "(4,)"
                    "(8,)"
                    "()"
                    "(0, 8)"
                    "(-1, 8)"
                    "(4.5, 8)"
                    "(4611686018427387904,)"
                    "(2147483648, 2147483648)"
                    "(4294967296, 1073741824)"
                    "(4611686018427387904, 0, 4611686018427387904)"
                    "(4, 8, 2)"
                    "(" + String.replicate 2000 "1, " + ")"
                    "(4 8)"
                    "(4, 8"
                ]
            let! lose = Gen.elements [ "descr"; "shape"; "fortran_order" ]
            let! version = Gen.elements [ 0uy; 2uy; 4uy; 255uy ]
            return!
                Gen.frequency [
                    1, Gen.constant (hostile (sprintf "descr %s" descr) (npyWith 1uy (dict (change "descr" descr)) data))
                    1,
                    Gen.constant (hostile (sprintf "fortran_order %s" fortran) (npyWith 1uy (dict (change "fortran_order" fortran)) data))
                    4, Gen.constant (hostile (sprintf "shape %s" shape) (npyWith 1uy (dict (change "shape" shape)) data))
                    1,
                    Gen.constant (hostile (sprintf "no %s" lose) (npyWith 1uy (dict (valid |> List.filter (fun (k, _) -> k <> lose))) data))
                    1, Gen.constant (hostile (sprintf "version %d" version) (npyWith version (dict valid) data))
                ]
        }
    let poisoned =
        gen {
            let! at = Gen.choose (0, 31)
            let! value = Gen.elements [ nanf; infinityf; -infinityf ]
            let copy = Array.copy valid
            BitConverter.GetBytes(value: float32).CopyTo(copy, valid.Length - 128 + at * 4)
            return hostile (sprintf "%g at element %d" value at) copy
        }
    let lengths =
        Gen.elements [ 0us; 1us; 65535us; 200us ]
        |> Gen.map (fun n ->
            let b = Array.copy valid in
            BitConverter.GetBytes(n).CopyTo(b, 8)
            hostile (sprintf "header length field %d" n) b)
    Gen.frequency [ 2, damaged valid; 4, structural; 1, poisoned; 1, lengths ]

let private npyTests =
    testList "npy" [
        property "embeddings read whole and finite, or are refused in one line" 0xA11CEUL npyGen (fun case ->
            let path = Path.Combine(safetensorsFixture.Value.Dir, "case.npy")
            File.WriteAllBytes(path, case.Bytes)
            match guarded case (fun () -> EmbeddingArray.ShapeOf path, EmbeddingArray.Load path) with
            | Ok(shape, array) ->
                Expect.sequenceEqual array.Shape shape (sprintf "%O: the header's shape and the data's" case)
                Expect.equal (int64 array.Data.Length) (Array.fold (*) 1L shape) (sprintf "%O: one value per element" case)
                Expect.isTrue (array.Data |> Array.forall Single.IsFinite) (sprintf "%O: accepted a non-finite value" case)
            | Error m -> expectOneLine case m
            match guarded case (fun () -> EmbeddingArray.CheckFinite path) with
            | Ok() -> ()
            | Error m -> expectOneLine case m)
    ]

// ---------------------------------------------------------------- manifests and training configs (one dataset)

type private DatasetFixture = { Dir: string; Config: TrainConfig.TrainConfig; ConfigText: string; Manifest: string }

let private datasetFixture =
    lazy
        let dir = tempDir ()
        SyntheticData.Write(dir, SyntheticOptions(Studies = 16, Seed = 3, Dim = 16, Tokens = 2, MaxVideos = 2))
        let configText = DeepCoro.Cli.TrainCommands.synthConfig 16 2 1
        File.WriteAllText(Path.Combine(dir, "config.yaml"), configText)
        {
            Dir = dir
            Config = TrainConfig.load (Path.Combine(dir, "config.yaml"))
            ConfigText = configText
            Manifest = File.ReadAllText(Path.Combine(dir, SyntheticData.Manifest))
        }

let private manifestCells = [
    ""
    " "
    "nan"
    "1e309"
    "-1e309"
    "1e308"
    "-0"
    "2"
    "-1"
    "0.5"
    "99999999999999999999"
    "true"
    "TRAIN"
    "val"
    "test"
    "embeddings"
    "embeddings/"
    "/"
    ".."
    "../../../../etc/passwd"
    "\"quoted\""
    "a\"b"
    "α"
    "embeddings/study00000/video0.npy"
]

let private manifestGen =
    let lines = datasetFixture.Value.Manifest.TrimEnd('\n').Split '\n'
    let sep = SyntheticData.Separator
    let join (ls: string seq) = String.Join("\n", ls) + "\n"
    let rows = lines.Length - 1
    let edits =
        gen {
            let! r = Gen.choose (1, rows)
            let! r2 = Gen.choose (1, rows)
            let! c = Gen.choose (0, 4)
            let! c2 = Gen.choose (0, 4)
            let! cell = Gen.elements manifestCells
            let setCell (line: string) = line.Split sep |> Array.mapi (fun i v -> if i = c then cell else v) |> String.concat sep
            return!
                Gen.elements [
                    hostileText (sprintf "row %d removed" r) (join (lines |> Array.removeAt r))
                    hostileText (sprintf "row %d repeated" r) (join (Array.insertAt r2 lines[r] lines))
                    hostileText (sprintf "row %d cell %d = '%s'" r c cell) (join (lines |> Array.updateAt r (setCell lines[r])))
                    hostileText (sprintf "header cell %d = '%s'" c cell) (join (lines |> Array.updateAt 0 (setCell lines[0])))
                    hostileText
                        (sprintf "header columns %d and %d swapped" c c2)
                        (join (
                            lines
                            |> Array.updateAt
                                0
                                (let h = lines[0].Split sep in
                                 h
                                 |> Array.permute (fun i ->
                                     if i = c then c2
                                     elif i = c2 then c
                                     else i)
                                 |> String.concat sep)
                        ))
                    hostileText (sprintf "row %d has an extra field" r) (join (lines |> Array.updateAt r (lines[r] + sep + cell)))
                    hostileText (sprintf "row %d lost its separators" r) (join (lines |> Array.updateAt r (lines[r].Replace(sep, ""))))
                    hostileText "the header alone" (join lines[..0])
                    hostileText "empty" ""
                    hostileText "CRLF line ends" ((join lines).Replace("\n", "\r\n"))
                    hostileText "a byte-order mark" ("\uFEFF" + join lines)
                    hostileText
                        (sprintf "every split is '%s'" cell)
                        (join (
                            lines
                            |> Array.mapi (fun i l -> if i = 0 then l else (l.Split sep |> Array.updateAt 1 cell |> String.concat sep))
                        ))
                    hostileText
                        "every label empty"
                        (join (
                            lines
                            |> Array.mapi (fun i l ->
                                if i = 0 then l else (l.Split sep |> Array.updateAt 3 "" |> Array.updateAt 4 "" |> String.concat sep))
                        ))
                ]
        }
    Gen.frequency [ 1, damaged (Encoding.UTF8.GetBytes(join lines)); 5, edits ]

let private manifestTests =
    testList "manifest" [
        property "a manifest opens and streams, or is refused in one line naming the row or column" 0xC5FUL manifestGen (fun case ->
            let f = datasetFixture.Value
            let path = Path.Combine(f.Dir, "case.csv")
            File.WriteAllBytes(path, case.Bytes)
            let options = f.Config.Data.WithManifest(path, null)
            match
                guarded case (fun () ->
                    let data = Dataset.Open(f.Config.Spec, options, "train", "val")
                    for batch in data.Pass(data.Studies.Train, true, 0, 0) do
                        if batch.Size < 1 || batch.Shape[0] <> int64 batch.Size then
                            failtestf "%O: a batch of %d studies shaped %A" case batch.Size batch.Shape
                        batch.Release()
                    data)
            with
            | Ok data ->
                for s in Seq.concat [ data.Studies.Train; data.Studies.Val; data.Studies.Test ] do
                    Expect.isNonEmpty s.Videos (sprintf "%O: study %s without videos" case s.Id)
                    for v in s.Videos do
                        Expect.isTrue (File.Exists v.Path) (sprintf "%O: study %s names %s" case s.Id v.Path)
            | Error m -> expectOneLine case m)
    ]

/// Values that break a YAML reader or what it feeds: zero, negatives, 2^31, overflow, NaN, infinities, other types.
let private yamlValues = [
    "0"
    "-3"
    "1"
    "2000000000"
    "99999999999999999999"
    "1e308"
    "-1e308"
    "1e-320"
    ".nan"
    ".inf"
    "-.inf"
    "''"
    "~"
    "null"
    "true"
    "no"
    "[]"
    "{}"
    "[1, 2]"
    "{a: 1}"
    "*undefined"
    "&x 1"
    "\"\\ud800\""
    "!!binary AAAA"
    "2.5"
    "-0.0"
    "0x10"
    "1_000"
]

/// A "billion laughs": nine levels of nine aliases each, 387 million nodes once expanded.
let private laughs (key: string) = [
    yield sprintf "%s:" key
    yield "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
    for i in 1..9 -> sprintf "  a%d: &a%d [%s]" i i (String.concat ", " (List.replicate 9 (sprintf "*a%d" (i - 1))))
]

let private yamlGen (valid: string) (ignoredKey: string) =
    let lines = valid.TrimEnd('\n').Split '\n'
    let valued = lines |> Array.indexed |> Array.filter (fun (_, l) -> Regex.IsMatch(l, @"^\s*[A-Za-z_][\w.]*:\s*[^\s#]")) |> Array.map fst
    let join (ls: string seq) = String.Join("\n", ls) + "\n"
    let setValue (line: string) (value: string) = Regex.Replace(line, @"^(\s*[A-Za-z_][\w.]*:)\s*.*$", "$1 " + value.Replace("$", "$$"))
    let edits =
        gen {
            let! i = Gen.elements valued
            let! j = Gen.choose (0, lines.Length - 1)
            let! value = Gen.elements yamlValues
            let! depth = Gen.elements [ 10; 70; 1000; 100000 ]
            return!
                Gen.elements [
                    hostileText (sprintf "line %d value = %s" (i + 1) value) (join (lines |> Array.updateAt i (setValue lines[i] value)))
                    hostileText
                        (sprintf "line %d value nested %d deep" (i + 1) depth)
                        (join (lines |> Array.updateAt i (setValue lines[i] (nested depth))))
                    hostileText
                        (sprintf "line %d value a map nested %d deep" (i + 1) depth)
                        (join (
                            lines |> Array.updateAt i (setValue lines[i] (String.replicate depth "{a: " + "1" + String.replicate depth "}"))
                        ))
                    hostileText
                        (sprintf "a billion laughs under '%s'" ignoredKey)
                        (join (Array.append lines (Array.ofList (laughs ignoredKey))))
                    hostileText
                        (sprintf "a billion laughs, line %d takes it" (i + 1))
                        (join (Array.append (Array.ofList (laughs ignoredKey)) (lines |> Array.updateAt i (setValue lines[i] "*a9"))))
                    hostileText (sprintf "line %d repeated" (j + 1)) (join (Array.insertAt j lines[j] lines))
                    hostileText (sprintf "line %d removed" (j + 1)) (join (Array.removeAt j lines))
                    hostileText (sprintf "line %d indented" (j + 1)) (join (lines |> Array.updateAt j (" " + lines[j])))
                    hostileText
                        (sprintf "line %d indented with a tab" (j + 1))
                        (join (lines |> Array.updateAt j ("\t" + lines[j].TrimStart())))
                    hostileText "a single word" "hello\n"
                    hostileText "a list" "- 1\n- 2\n"
                    hostileText "two documents" (join lines + "---\n" + join lines)
                ]
        }
    Gen.frequency [ 1, damaged (Encoding.UTF8.GetBytes valid); 6, edits ]

let private configTests =
    testList "training config" [
        property
            "a config parses to a valid model and options, or every problem is a located line"
            0xC0F1UL
            (yamlGen datasetFixture.Value.ConfigText "project")
            (fun case ->
                let f = datasetFixture.Value
                let path = Path.Combine(f.Dir, "config.yaml")
                match guarded case (fun () -> TrainConfig.parse path (text case.Bytes)) with
                | Ok config ->
                    Expect.isEmpty ((ModelPlan.Of config.Spec).Errors) (sprintf "%O: accepted a model with errors" case)
                    let schedule = Schedule(config.Train.Schedule, 3L, config.Train.Epochs)
                    for t in 0L .. 5L do
                        let factor = schedule.Factor t
                        Expect.isTrue
                            (Double.IsFinite factor && factor >= 0.0)
                            (sprintf "%O: learning-rate factor %g at step %d" case factor t)
                | Error m -> expectLocated "config.yaml" case m)
    ]

// ---------------------------------------------------------------- sweep files

let private sweepText = lazy (File.ReadAllText(Path.Combine(repoRoot, "examples", "configs", "sweep_cathef_cls_token.yaml")))

let private sweepTests =
    testList "sweep file" [
        property
            "a sweep file gives a search that proposes trials, or every problem is a located line"
            0x5EE9UL
            (yamlGen sweepText.Value "description")
            (fun case ->
                match
                    guarded case (fun () ->
                        let sweep = SweepFileParser.Parse("sweep.yaml", text case.Bytes)
                        let suggester = Suggesters.For(sweep, 0)
                        [ for i in 0..2 -> suggester.Suggest(i, Array.empty) ])
                with
                | Ok proposals ->
                    for p in proposals do
                        if not (isNull p) then
                            Expect.isGreaterThan p.Count 0 (sprintf "%O: an empty proposal" case)
                | Error m -> expectLocated "sweep.yaml" case m)
    ]

// ---------------------------------------------------------------- spec IR JSON

let private irText =
    lazy
        hierarchy [ clsToken over tokens |> attentionHeads 4; concat [ gatedAttention over videos |> hidden 16; mean over videos ] ]
        |> heads [ regression "cathEF"; classification "stenosis" 3; binary "contrast" |> outputs 2 ]
        |> withViews 3
        |> model "FuzzIr" 64
        |> SpecJson.Write

let private irGen =
    let valid = irText.Value
    let nodes (root: JsonNode) =
        let rec walk (n: JsonNode) =
            seq {
                yield n
                match n with
                | :? JsonObject as o ->
                    for kv in o do
                        if not (isNull kv.Value) then
                            yield! walk kv.Value
                | :? JsonArray as a ->
                    for v in a do
                        if not (isNull v) then
                            yield! walk v
                | _ -> ()
            }
        walk root |> Seq.filter (fun n -> not (isNull n.Parent)) |> List.ofSeq
    let count = nodes (JsonNode.Parse valid) |> List.length
    let edits =
        gen {
            let! at = Gen.choose (0, count - 1)
            let! value = Gen.elements (extremeJson ())
            let! depth = Gen.elements [ 10; 70; 100000 ]
            let! how = Gen.choose (0, 3)
            let root = JsonNode.Parse valid
            let target = (nodes root)[at]
            let path = target.GetPath()
            let replace (n: JsonNode) =
                match target.Parent with
                | :? JsonObject as o -> o[target.GetPropertyName()] <- n
                | :? JsonArray as a -> a[target.GetElementIndex()] <- n
                | _ -> ()
            return
                match how with
                | 0 ->
                    replace (clone value)
                    hostileText (sprintf "%s = %O" path value) (root.ToJsonString())
                | 1 ->
                    match target.Parent with
                    | :? JsonObject as o -> o.Remove(target.GetPropertyName()) |> ignore
                    | :? JsonArray as a -> a.RemoveAt(target.GetElementIndex())
                    | _ -> ()
                    hostileText (sprintf "%s removed" path) (root.ToJsonString())
                | 2 ->
                    hostileText (sprintf "%s nested %d deep" path depth) (root.ToJsonString().Replace(target.ToJsonString(), nested depth))
                | _ ->
                    match target.Parent with
                    | :? JsonObject as o ->
                        let json = root.ToJsonString()
                        let key = sprintf "\"%s\":" (target.GetPropertyName())
                        let i = json.IndexOf key
                        hostileText (sprintf "%s repeated" path) (json.Insert(i, key + target.ToJsonString() + ","))
                    | _ ->
                        hostileText
                            (sprintf "%s doubled" path)
                            (root.ToJsonString().Replace(target.ToJsonString(), target.ToJsonString() + "," + target.ToJsonString()))
        }
    Gen.frequency [ 1, damaged (Encoding.UTF8.GetBytes valid); 5, edits ]

let private irTests =
    testList "spec IR" [
        property "an IR reads as a valid model within the runtime's sizes, or every problem is a located line" 0x1DEAUL irGen (fun case ->
            match guarded case (fun () -> SpecJson.Parse(text case.Bytes, "ir.json")) with
            | Ok spec ->
                let plan = ModelPlan.Of spec
                Expect.isEmpty plan.Errors (sprintf "%O: errors" case)
                for p in plan.Parameters do
                    Expect.isLessThanOrEqual p.Count ((1L <<< 31) / 4L) (sprintf "%O: %s too large to store" case p.Key)
            | Error m -> expectLocated "ir.json" case m)
    ]

[<Tests>]
let tests = testList "fuzz" [ safetensorsTests; npyTests; manifestTests; configTests; sweepTests; irTests ]
