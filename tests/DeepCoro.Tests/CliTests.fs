/// The command line's paths, good and bad: each bad input gets one line naming the file, key or field, a
/// non-zero exit code, and no output file.
module DeepCoro.Tests.CliTests

open System
open System.IO
open Expecto
open TorchSharp
open DeepCoro.Runtime.IO
open DeepCoro.Tests.TestSupport

/// Runs `deepcoro` in-process; returns the exit code, stdout and stderr.
let deepcoro (args: string list) =
    let out, err = new StringWriter(), new StringWriter()
    let oldOut, oldErr = Console.Out, Console.Error
    Console.SetOut out
    Console.SetError err
    try
        let code = DeepCoro.Cli.Program.execute (Array.ofList args)
        code, out.ToString(), err.ToString()
    finally
        Console.SetOut oldOut
        Console.SetError oldErr

let private case = "cls4d_post_separate"
let private config = Path.Combine(goldenDir, "cases.json") + "#" + case
let private weights = Path.Combine(goldenDir, case + ".weights.safetensors")
let private inputs = Path.Combine(goldenDir, case + ".io.safetensors")

/// A copy of the golden inputs or weights with one change, saved in a fresh folder.
let private variant (source: string) (change: Collections.Generic.OrderedDictionary<string, torch.Tensor> -> unit) =
    let tensors = Safetensors.Load source
    change tensors
    let path = Path.Combine(tempDir (), Path.GetFileName source)
    Safetensors.Save(path, tensors)
    path

/// Expects failure with exit code 1, a one-line message containing each fragment, and no output file.
let private expectError (args: string list) (fragments: string list) =
    let output = Path.Combine(tempDir (), "out.safetensors")
    let code, _, err = deepcoro (args @ [ "--output"; output ])
    Expect.equal code 1 (sprintf "exit code; stderr: %s" err)
    let line = err.Trim()
    Expect.isFalse (line.Contains '\n') (sprintf "one line: %s" line)
    Expect.stringStarts line "error: " "prefixed"
    for f in fragments do
        Expect.stringContains line f "message names what is wrong"
    Expect.isFalse (File.Exists output) "no output written"
    Expect.isEmpty (Directory.GetFiles(Path.GetDirectoryName output)) "no temporary file left"

let private infer = [ "infer"; "--config"; config; "--weights"; weights; "--inputs"; inputs ]
let private inferWith (w: string) (i: string) = [ "infer"; "--config"; config; "--weights"; w; "--inputs"; i ]

[<Tests>]
let tests =
    testList "cli" [
        test "infer --grad writes outputs and gradients that match the reference" {
            let output = Path.Combine(tempDir (), "out.safetensors")
            let code, out, err = deepcoro (infer @ [ "--grad"; "--output"; output ])
            Expect.equal code 0 err
            Expect.stringContains out "grad.x" "lists what it wrote"
            use _ = torch.NewDisposeScope()
            let expected, actual = Safetensors.Load inputs, Safetensors.Load output
            for key in [ "out.cathEF"; "out.stenosis"; "grad.x"; "grad.cls_token" ] do
                assertClose key expected[key] actual[key]
        }
        test "spec prints the shape table and writes the IR" {
            let ir = Path.Combine(tempDir (), "model.json")
            let code, out, err = deepcoro [ "spec"; config; "--emit-ir"; ir ]
            Expect.equal code 0 err
            Expect.stringContains out "clsToken over tokens" "levels"
            Expect.stringContains out "[B, videos, 32]" "shape after the first level"
            let code, out, _ = deepcoro [ "spec"; ir ]
            Expect.equal code 0 "the emitted IR reads back"
            Expect.stringContains out "total" "totals"
        }
        test "wrong rank names x and the expected shape" {
            expectError (inferWith weights (variant inputs (fun t -> t["x"] <- t["x"].select(2, 0L)))) [
                "x: expected rank 4"
                "[B, videos, tokens, 32]"
                "[3, 4, 32]"
            ]
        }
        test "wrong embedding dim" {
            expectError (inferWith weights (variant inputs (fun t -> t["x"] <- t["x"].narrow(3, 0L, 16L)))) [
                "x: expected embedding dim 32"
                "[3, 4, 9, 16]"
            ]
        }
        test "mask shape mismatch" {
            expectError (inferWith weights (variant inputs (fun t -> t["mask"] <- t["mask"].narrow(1, 0L, 3L)))) [
                "mask: expected [B, videos] = [3, 4]"
                "[3, 3]"
            ]
        }
        test "mask of the wrong dtype" {
            expectError (inferWith weights (variant inputs (fun t -> t["mask"] <- t["mask"].``to``(torch.ScalarType.Float32)))) [
                "mask: expected bool"
            ]
        }
        test "x of the wrong dtype" {
            expectError (inferWith weights (variant inputs (fun t -> t["x"] <- t["x"].``to``(torch.ScalarType.Float64)))) [
                "'x' must be float32"
                "Float64"
            ]
        }
        test "missing and unexpected weight keys are listed" {
            let w =
                variant weights (fun t ->
                    t.Remove "cls_token" |> ignore
                    t["cls_tokn"] <- torch.zeros (1L, 1L, 32L))
            expectError (inferWith w inputs) [ Path.GetFileName w; "missing keys: cls_token"; "unexpected keys: cls_tokn" ]
        }
        test "weights of the wrong shape" {
            let w = variant weights (fun t -> t["heads.cathEF.weight"] <- torch.zeros (2L, 32L))
            expectError (inferWith w inputs) [ "'heads.cathEF.weight' has shape [2, 32]"; "expects [1, 32]" ]
        }
        test "truncated safetensors" {
            let path = Path.Combine(tempDir (), "cut.safetensors")
            let bytes = File.ReadAllBytes weights
            File.WriteAllBytes(path, bytes[.. bytes.Length / 2])
            expectError (inferWith path inputs) [ "cut.safetensors"; "truncated" ]
        }
        test "not a safetensors file" {
            let path = Path.Combine(tempDir (), "junk.safetensors")
            File.WriteAllText(path, "hello")
            expectError (inferWith path inputs) [ "junk.safetensors"; "not a safetensors file" ]
        }
        test "missing files are named" {
            expectError (inferWith "/nonexistent/w.safetensors" inputs) [ "/nonexistent/w.safetensors: file not found" ]
            expectError [ "infer"; "--config"; "/nonexistent/c.yaml"; "--weights"; weights; "--inputs"; inputs ] [
                "/nonexistent/c.yaml: config file not found"
            ]
        }
        test "an invalid spec fails with its code and field" {
            let dir = tempDir ()
            let yaml = Path.Combine(dir, "bad.yaml")
            File.WriteAllText(yaml, "embedding_dim: 512\nhead_structure:\n  cathEF: 1\npooling_mode: cls_token\nnum_attention_heads: 6\n")
            let code, _, err = deepcoro [ "spec"; yaml ]
            Expect.equal code 1 err
            Expect.stringContains err "bad.yaml:5:" "file and line"
            Expect.stringContains err "DC0003" "code"
        }
        test "an unknown golden case suggests the closest" {
            let code, _, err = deepcoro [ "spec"; Path.Combine(goldenDir, "cases.json") + "#cls4d_post_seperate" ]
            Expect.equal code 1 err
            Expect.stringContains err "did you mean 'cls4d_post_separate'?" "suggestion"
        }
        test "an existing output survives a failed run" {
            let output = Path.Combine(tempDir (), "out.safetensors")
            File.WriteAllText(output, "previous")
            let code, _, _ = deepcoro (inferWith "/nonexistent/w.safetensors" inputs @ [ "--output"; output ])
            Expect.equal code 1 "fails"
            Expect.equal (File.ReadAllText output) "previous" "untouched"
        }
        test "usage errors exit with 2" {
            let code, _, err = deepcoro [ "infer"; "--config"; config ]
            Expect.equal code 2 err
            Expect.stringContains err "--weights" "names the missing option"
        }
    ]
