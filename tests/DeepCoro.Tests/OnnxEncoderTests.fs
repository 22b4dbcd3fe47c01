/// `embed` through ONNX Runtime: the tiny encoder's ONNX export (Fixtures/video/tiny_encoder.onnx, made by
/// tools/make_video_fixtures.py from the same weights as tiny_encoder.pt) gives TorchScript's tokens, the backend
/// that does not fit a file is refused, and `bench --forward` runs (its figures are printed, never asserted).
module DeepCoro.Tests.OnnxEncoderTests

open System.IO
open Expecto
open TorchSharp
open DeepCoro.Runtime.Encoders
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.VideoTests
open DeepCoro.Tests.EncoderTests

let tinyOnnx = fixture "tiny_encoder.onnx"

/// Expects `deepcoro args` to fail with exit code 1 and a one-line message containing `fragment`.
let refused (args: string list) (fragment: string) =
    let code, _, err = CliTests.deepcoro args
    Expect.equal code 1 (sprintf "refused: %s" err)
    Expect.stringContains err fragment "the reason"
    Expect.equal (err.Trim().Split('\n').Length) 1 (sprintf "one line: %s" err)

[<Tests>]
let onnxTests =
    testList "onnx encoder" [
        test "ONNX Runtime's tokens equal TorchScript's on the tiny encoder within 1e-4 (a batch of 2)" {
            use scripted = ScriptedEncoder.LoadForEmbedding(tinyEncoder, torch.CPU)
            scripted.Module.eval ()
            use onnx = OnnxEncoder.Load(tinyOnnx, torch.CPU, 1)
            Expect.sequenceEqual onnx.InputShape scripted.InputShape "the ONNX input's fixed T, H, W give input_shape()"
            torch.manual_seed 5L |> ignore
            use x = torch.randn ([| 2L; 3L; 4L; 32L; 32L |])
            use _ = torch.no_grad ()
            use expected = scripted.Tokens x
            use actual = onnx.Tokens x
            Expect.sequenceEqual actual.shape expected.shape "[B, L, D]"
            let worst = (actual - expected).abs().max().item<float32>()
            Expect.isLessThan worst 1e-4f (sprintf "max |ONNX - TorchScript| %g" worst)
        }
        test "embed --encoder E.onnx gives PyTorch's tokens of the lossless clip (ONNX Runtime chosen by the extension)" {
            let x = expected ()
            let dir, _ = videoFolder [ "lossless.avi", "lossless.avi" ]
            let out = Path.Combine(dir, "out")
            let video = Path.Combine(dir, "lossless.avi")
            let code, _, err = CliTests.deepcoro [ "embed"; "--encoder"; tinyOnnx; "--output"; out; "--mean"; "110"; "--std"; "40"; video ]
            Expect.equal code 0 err
            assertHalfClose "through ONNX Runtime" x.["tokens_stride1"] (embedding (Path.Combine(out, "lossless.safetensors")))
            let out2 = Path.Combine(dir, "out2")
            let code, _, err =
                CliTests.deepcoro [
                    "embed"
                    "--encoder"
                    tinyOnnx
                    "--backend"
                    "onnx"
                    "--output"
                    out2
                    "--mean"
                    "110"
                    "--std"
                    "40"
                    video
                ]
            Expect.equal code 0 err
            assertHalfClose "--backend onnx" x.["tokens_stride1"] (embedding (Path.Combine(out2, "lossless.safetensors")))
        }
        test "a backend that does not fit the file, an unknown one, a file that is not ONNX and ONNX off the CPU are refused" {
            let dir = tempDir ()
            let video = fixture "lossless.avi"
            let embedWith encoder extra =
                [ "embed"; "--encoder"; encoder; "--output"; Path.Combine(dir, "out"); "--mean"; "1"; "--std"; "1" ] @ extra @ [ video ]
            refused (embedWith tinyEncoder [ "--backend"; "onnx" ]) "the onnx backend runs ONNX files (*.onnx)"
            refused (embedWith tinyOnnx [ "--backend"; "torchscript" ]) "this is an ONNX file"
            refused (embedWith tinyOnnx [ "--backend"; "tensorrt" ]) "--backend tensorrt: expected torchscript or onnx"
            let garbage = Path.Combine(dir, "garbage.onnx")
            File.WriteAllBytes(garbage, [| 1uy; 2uy; 3uy |])
            refused (embedWith garbage []) "garbage.onnx: not an ONNX model ONNX Runtime"
            Expect.isFalse (Directory.Exists(Path.Combine(dir, "out"))) "nothing written"
            let m = messageOf<EncoderException>(fun () -> OnnxEncoder.Load(tinyOnnx, torch.Device(DeviceType.CUDA, 0), 1).Dispose())
            Expect.stringContains m "ONNX encoders run on the CPU here" "CUDA refused"
        }
        test "bench --forward: one table row per backend; a python that cannot start is named as skipped" {
            let code, out, err =
                CliTests.deepcoro [
                    "bench"
                    "--encoder"
                    tinyEncoder
                    "--onnx"
                    tinyOnnx
                    "--python"
                    "/nonexistent/python3"
                    "--steps"
                    "1"
                    "--warmup"
                    "0"
                ]
            Expect.equal code 0 err
            Expect.stringContains out "load average (1, 5, 15 min)" "the load beside the figures"
            Expect.stringContains out "| TorchScript | TorchSharp " "TorchSharp's row"
            Expect.stringContains out "| ONNX | ONNX Runtime 1.32.0 |" "ONNX Runtime's row"
            Expect.stringContains out "skipped: /nonexistent/python3 cannot be started" "PyTorch skipped, and why"
            refused [ "bench"; "--onnx"; tinyOnnx ] "give --encoder E.pt"
            refused [ "bench"; "--encoder"; tinyEncoder; "--forward"; "--ratios"; "0.5" ] "it takes only --encoder"
        }
    ]
