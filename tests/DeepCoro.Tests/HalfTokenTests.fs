/// Half-precision tokens (`data.token_dtype`): 16-bit token files, the loader's 16-bit batches, the one-pass kernel
/// reading them, the models around it, and the key's validation.
module DeepCoro.Tests.HalfTokenTests

open System
open System.IO
open Expecto
open TorchSharp
open DeepCoro.Config
open DeepCoro.Config.ConfigError
open DeepCoro.Runtime.Blocks
open DeepCoro.Runtime.Data
open DeepCoro.Runtime.Training
open DeepCoro.Tests.TestSupport

/// A 16-bit tensor's values as their bit patterns.
let private bitsOf (t: torch.Tensor) : uint16[] =
    let bytes = t.contiguous().bytes.ToArray()
    Array.init (bytes.Length / 2) (fun i -> BitConverter.ToUInt16(bytes, 2 * i))

let private scalarType dtype = if dtype = TokenDtype.Float16 then torch.ScalarType.Float16 else torch.ScalarType.BFloat16

let private writeNpy (path: string) (data: float32[]) (shape: int64[]) =
    use s = File.Create path
    Npy.WriteFloat32(s, ReadOnlySpan data, shape)

/// Reads one file as 16-bit tokens of `dtype`.
let private load16 (path: string) (count: int) dtype =
    use target = TokenBits.Tensor(int64 count, dtype)
    EmbeddingArray.LoadInto16(path, Func<int64[], struct (int64 * int64)>(fun _ -> struct (0L, int64 count)), target, dtype)
    (TokenBits.Of target).ToArray()

let private maxDifference (a: torch.Tensor) (b: torch.Tensor) = (a - b).abs().max().to_type(torch.ScalarType.Float64).item<float>()

/// The one-pass function's output and the gradients of u, beta and cls, on the given tokens.
let private kernelRun (tokens: torch.Tensor) valid (u: torch.Tensor) (beta: torch.Tensor) (cls: torch.Tensor) keep (g: torch.Tensor) =
    let leaves = [ for t in [ u; beta; cls ] -> t.detach().requires_grad_(true) ]
    let out = ClsAttentionFunction.apply (tokens, valid, leaves[0], leaves[1], leaves[2], keep)
    (out * g).sum().backward()
    out.detach () :: [ for t in leaves -> t.grad.detach () ]

/// Every golden case (fused kernel) with its input x rounded to `dtype` and widened back, against the float32
/// golden: the largest absolute deviation over the outputs, and over the gradients (grad.x and every parameter's).
let goldenDeviation (dtype: torch.ScalarType) =
    use _ = torch.NewDisposeScope()
    let mutable outputs, gradients = 0.0, 0.0
    for name in GoldenTests.caseNames do
        let model = ModelLoading.read (Path.Combine(goldenDir, "cases.json") + "#" + name) |> ModelLoading.build ClsKernel.Fused
        let weights = Path.Combine(goldenDir, name + ".weights.safetensors")
        DeepCoro.Runtime.IO.StateDict.LoadStrict(model.Module, DeepCoro.Runtime.IO.Safetensors.Load weights, weights)
        let io = DeepCoro.Runtime.IO.Safetensors.Load(Path.Combine(goldenDir, name + ".io.safetensors"))
        let expected = DeepCoro.Runtime.IO.Safetensors.Load(Path.Combine(goldenDir, name + ".io.safetensors"))
        io["x"] <- io["x"].to_type(dtype).to_type torch.ScalarType.Float32
        let actual =
            match model with
            | ModelLoading.ProbeModel m -> DeepCoro.Runtime.Model.Inference.Run(m, io, true, name)
            | ModelLoading.HeadModel h -> DeepCoro.Runtime.Model.Inference.Run(h, io, true, name)
        for key in actual.Keys do
            let deviation = maxDifference expected[key] actual[key]
            if key.StartsWith "out" then outputs <- max outputs deviation else gradients <- max gradients deviation
    outputs, gradients

[<Tests>]
let tests =
    testList "half-precision tokens" [
        test "16-bit token files round-trip" {
            let dir = tempDir ()
            torch.manual_seed 1L |> ignore
            let shape = [| 3L; 5L; 7L |]
            use values = torch.randn shape * 10.0
            let data = values.data<float32>().ToArray()
            let half = data |> Array.map Half.op_Explicit
            let path = Path.Combine(dir, "tokens.npy")
            do
                use s = File.Create path
                Npy.WriteFloat16(s, ReadOnlySpan half, shape)
            let back = Npy.Read path
            Expect.sequenceEqual back.Shape shape "shape"
            Expect.sequenceEqual back.Data (half |> Array.map float32) "float16 file read as float32"
            Expect.sequenceEqual
                (load16 path data.Length TokenDtype.Float16)
                (half |> Array.map BitConverter.HalfToUInt16Bits)
                "float16 file read as float16: its bits as written"
            // a float32 file read as 16-bit tokens: rounded as torch rounds
            let wide = Path.Combine(dir, "wide.npy")
            writeNpy wide data shape
            for dtype in [ TokenDtype.Float16; TokenDtype.BFloat16 ] do
                use rounded = values.to_type (scalarType dtype)
                Expect.sequenceEqual (load16 wide data.Length dtype) (bitsOf rounded) (sprintf "float32 file read as %A" dtype)
            // a float16 file read as bfloat16: through float32, as torch converts
            use viaHalf = values.to_type(torch.ScalarType.Float16).to_type(torch.ScalarType.BFloat16)
            Expect.sequenceEqual (load16 path data.Length TokenDtype.BFloat16) (bitsOf viaHalf) "float16 file read as bfloat16"
        }
        test "widening is exact for every 16-bit pattern" {
            let all = Array.init 65536 uint16
            let wide = Array.zeroCreate<float32> all.Length
            TokenBits.Widen(ReadOnlySpan all, Span wide, TokenDtype.Float16)
            for i in 0 .. all.Length - 1 do
                let expected = float32 (BitConverter.UInt16BitsToHalf all[i])
                if Single.IsNaN expected then
                    Expect.isTrue (Single.IsNaN wide[i]) (sprintf "0x%04x: NaN" i)
                elif BitConverter.SingleToUInt32Bits wide[i] <> BitConverter.SingleToUInt32Bits expected then
                    failtestf "float16 0x%04x: %g, expected %g" i wide[i] expected
            TokenBits.Widen(ReadOnlySpan all, Span wide, TokenDtype.BFloat16)
            for i in 0 .. all.Length - 1 do
                if BitConverter.SingleToUInt32Bits wide[i] <> (uint32 all[i] <<< 16) then
                    failtestf "bfloat16 0x%04x: %g" i wide[i]
        }
        test "a loader with float16 tokens gives batches equal to float32 ones rounded to half" {
            let _, config = TrainingTests.dataset 24 1 id
            let c = TrainConfig.load config
            let full = Dataset.Open(c.Spec, c.Data, "train")
            let batches (data: Dataset) = [
                for b in data.Pass(data.Studies.Train, true, 7, 1) do
                    let x =
                        if isNull b.X16 then
                            torch.tensor (b.Values.ToArray(), ReadOnlySpan b.Shape)
                        else
                            use t = Trainer.Inputs(b, torch.CPU).X
                            t.clone ()
                    b.Release()
                    x, b.Mask
            ]
            let expected = batches full
            for dtype in [ TokenDtype.Float16; TokenDtype.BFloat16 ] do
                let half = Dataset.Open(c.Spec, c.Data.With(tokenDtype = dtype), "train")
                let actual = batches half
                Expect.equal actual.Length expected.Length "batches"
                for (xe, me), (xa, ma) in List.zip expected actual do
                    Expect.equal xa.dtype (scalarType dtype) "the batch's tensor keeps the 16-bit dtype"
                    Expect.sequenceEqual ma me "mask"
                    Expect.sequenceEqual (bitsOf xa) (bitsOf (xe.to_type (scalarType dtype))) (sprintf "%A values" dtype)
        }
        test "the one-pass kernel on 16-bit tokens equals the float32 kernel on the same values widened (1e-6)" {
            use _ = torch.NewDisposeScope()
            for w, withKeep in [ 20L, true; 64L, false ] do
                torch.manual_seed 5L |> ignore
                let m, s, h = 3L, 19L, 3L
                let tokens = torch.randn (m, s, w)
                let valid = torch.rand(m, s).gt(torch.tensor 0.3)
                valid[0L].fill_ false |> ignore
                let u, beta, cls = torch.randn (h, w) * 0.3, torch.randn h, torch.randn w
                let keep =
                    if withKeep then torch.rand(m, h, 1L + s).gt(torch.tensor 0.25).to_type(torch.ScalarType.Float32) / 0.75 else null
                let g = torch.randn (m, h, w + 1L)
                for dtype in [ torch.ScalarType.Float16; torch.ScalarType.BFloat16 ] do
                    let narrow = tokens.to_type dtype
                    let half = kernelRun narrow valid u beta cls keep g
                    let widened = kernelRun (narrow.to_type torch.ScalarType.Float32) valid u beta cls keep g
                    for name, a, b in List.zip3 [ "output"; "grad.u"; "grad.beta"; "grad.cls" ] widened half do
                        Expect.isLessThanOrEqual (maxDifference a b) 1e-6 (sprintf "%A, width %d: %s" dtype w name)
        }
        test "models take 16-bit tokens: the same outputs and gradients as on the widened values" {
            use _ = torch.NewDisposeScope()
            let case pool : PoolPropertyTests.Case = {
                B = 3
                N = 4
                L = 6
                Heads = 2
                HeadWidth = 8
                Pool = pool
                FourD = true
                Valid = [| [| true; true; false; true |]; [| false; false; false; false |]; [| true; false; false; false |] |]
                Seed = 11
            }
            let outputsAndGrads c (x: torch.Tensor) mask =
                let model = PoolPropertyTests.modelOf c ClsKernel.Fused
                model.train ()
                torch.manual_seed 2L |> ignore
                let y = PoolPropertyTests.run model x mask
                y.sum().backward()
                y.detach ()
                :: [
                    for p in model.parameters () do
                        if not (isNull p.grad) then
                            p.grad.detach ()
                ]
            for pool in
                [
                    PoolPropertyTests.Cls(false, false)
                    PoolPropertyTests.Cls(true, false)
                    PoolPropertyTests.GatedPlusCls
                    PoolPropertyTests.Mean
                ] do
                let c = case pool
                let x, mask = PoolPropertyTests.inputOf c
                let narrow = x.to_type torch.ScalarType.Float16
                let half = outputsAndGrads c narrow mask
                let widened = outputsAndGrads c (narrow.to_type torch.ScalarType.Float32) mask
                Expect.equal half.Length widened.Length "the same parameters get gradients"
                for a, b in List.zip widened half do
                    Expect.isLessThanOrEqual (maxDifference a b) 1e-6 (sprintf "%A" pool)
        }
        test "a float32 value beyond float16's range is refused, naming the file" {
            let path = Path.Combine(tempDir (), "big.npy")
            writeNpy path [| 1.0f; 70000.0f |] [| 2L |]
            for check in
                [ (fun () -> load16 path 2 TokenDtype.Float16 |> ignore); (fun () -> EmbeddingArray.CheckFinite(path, TokenDtype.Float16)) ] do
                try
                    check ()
                    failtest "expected a DataException"
                with :? DataException as e ->
                    Expect.stringStarts e.Message path "names the file"
                    Expect.stringContains e.Message "float16" "names the dtype"
        }
        test "golden cases on half-rounded inputs stay within the deviation docs/performance.md states" {
            // measured: float16 2.6e-4 (outputs) and 1.5e-3 (gradients), bfloat16 2.2e-3 and 2.2e-2; about 3x kept
            for dtype, outputBound, gradientBound in [ torch.ScalarType.Float16, 1e-3, 5e-3; torch.ScalarType.BFloat16, 1e-2, 5e-2 ] do
                let outputs, gradients = goldenDeviation dtype
                Expect.isLessThanOrEqual outputs outputBound (sprintf "%A: outputs' max abs deviation" dtype)
                Expect.isLessThanOrEqual gradients gradientBound (sprintf "%A: gradients' max abs deviation" dtype)
        }
        test "data.token_dtype: an unknown dtype is one line naming the key and the allowed values" {
            let _, config = TrainingTests.dataset 24 1 (fun t -> t.Replace("data:\n", "data:\n  token_dtype: float8\n"))
            try
                TrainConfig.load config |> ignore
                failtest "expected a ConfigError"
            with :? ConfigError as e ->
                match e.Diagnostics |> List.map string with
                | [ line ] ->
                    Expect.stringContains line "token_dtype: 'float8' is not one of float32, float16, bfloat16" "message"
                    Expect.isFalse (line.Contains '\n') "one line"
                | lines -> failtestf "expected one error, got %A" lines
        }
    ]
