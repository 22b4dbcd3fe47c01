/// `deepcoro bench --encoder E.pt --forward [--onnx E.onnx]`: an encoder's forward per video through TorchSharp,
/// ONNX Runtime and PyTorch on the same file, in one run, as one Markdown table.
module DeepCoro.Cli.EncoderForwardBench

open System
open DeepCoro.Runtime.Benchmarks

let private number (format: string) (v: Nullable<float>) =
    if v.HasValue then v.Value.ToString(format, Globalization.CultureInfo.InvariantCulture) else "-"

/// One row per backend; the ratio is its median over TorchSharp's (below 1: faster than TorchSharp).
let table (r: EncoderForwardResult) =
    let rows = [
        for b in r.Backends ->
            let ratio = r.TimeRatio b
            sprintf
                "| %s | %s | %s | %s | %s |"
                b.Backend
                b.Runtime
                (number "0.0" b.MedianMs)
                (if ratio.HasValue then (number "0.00" ratio) + "x" else "-")
                (if isNull b.Skipped then number "0.0e+0" b.MaxAbsDiff else "skipped: " + b.Skipped)
    ]
    [
        sprintf
            "encoder %s, frames [%s], batch 1, %d threads, median of %d rounds after %d warm-up (the backends take turns in each round)"
            (IO.Path.GetFileName r.Encoder)
            (r.InputShape |> Array.map string |> String.concat ", ")
            r.Threads
            r.Steps
            r.Warmup
        sprintf "load average (1, 5, 15 min): %s before, %s after" r.LoadBefore r.LoadAfter
        ""
        "| file run by | runtime | median ms per video | time / TorchSharp | max abs diff of tokens from TorchSharp's |"
        "|---|---|---:|---:|---:|"
    ]
    @ rows
    |> String.concat "\n"

/// Runs the bench; `python` "none" leaves PyTorch out.
let run (encoder: string) (onnx: string option) (python: string) (threads: int) (steps: int) (warmup: int) =
    let python = if python = "none" then null else python
    EncoderForwardBenchmark.Run(encoder, Option.toObj onnx, python, threads, steps, warmup, 0L) |> table |> printfn "%s"
