using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.Encoders;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// Times an encoder's forward on one video (batch 1, the size input_shape() gives, random frames) through
    /// TorchSharp on the TorchScript file, ONNX Runtime on its ONNX export, and PyTorch on the same TorchScript file
    /// (a python child process), each on the same number of threads. The backends take turns within every round, so
    /// a change in the machine's load falls on all of them; the medians and the tokens' differences from
    /// TorchSharp's come from this one run.
    /// </summary>
    public static class EncoderForwardBenchmark
    {
        public static EncoderForwardResult Run(string encoderPath, string? onnxPath, string? python, int threads, int steps, int warmup, long seed)
        {
            if (threads < 1 || steps < 1 || warmup < 0) throw new ArgumentException($"threads {threads}, steps {steps}, warmup {warmup}: expected at least 1, 1 and 0");
            set_num_threads(threads);
            var loadBefore = LoadAverage();
            using var scripted = ScriptedEncoder.LoadForEmbedding(encoderPath, CPU);
            scripted.Module.eval();
            var exported = scripted.InputShape ?? throw new EncoderException($"{encoderPath}: the bench needs input_shape() to know the frames and size; export it with tools/export_encoder.py");
            var shape = new long[] { 1 }.Concat(exported).ToArray();
            manual_seed(seed);
            using var frames = randn(shape);
            using var noGrad = no_grad();
            float[] reference;
            using (var t = scripted.Tokens(frames)) reference = t.contiguous().data<float>().ToArray();

            var timers = new List<(BackendTiming Row, Func<double> Time)>
            {
                (new BackendTiming("TorchScript", $"TorchSharp {Version(typeof(TorchSharp.torch))}", null, 0, null), () => Stopwatched(() => scripted.Tokens(frames).Dispose())),
            };
            var skipped = new List<BackendTiming>();
            OnnxEncoder? onnx = null;
            PyTorchForward? pytorch = null;
            try
            {
                if (onnxPath is null)
                {
                    skipped.Add(new BackendTiming("ONNX", $"ONNX Runtime {OnnxEncoder.RuntimeVersion}", null, null, "no ONNX file given"));
                }
                else
                {
                    onnx = OnnxEncoder.Load(onnxPath, CPU, threads);
                    if (onnx.InputShape is { } s && !s.SequenceEqual(exported))
                        throw new EncoderException($"{onnxPath}: exported for [{string.Join(", ", s)}], {encoderPath} for [{string.Join(", ", exported)}]; export both from the same encoder (tools/export_encoder.py --out E.pt --onnx E.onnx)");
                    float[] tokens;
                    using (var t = onnx.Tokens(frames)) tokens = t.data<float>().ToArray();
                    var row = new BackendTiming("ONNX", $"ONNX Runtime {OnnxEncoder.RuntimeVersion}", null, MaxAbsDiff(onnxPath, tokens, reference), null);
                    var o = onnx;
                    timers.Add((row, () => Stopwatched(() => o.Tokens(frames).Dispose())));
                }
                if (python is null)
                {
                    skipped.Add(new BackendTiming("TorchScript", "PyTorch", null, null, "no python given"));
                }
                else
                {
                    float[] input;
                    using (var c = frames.contiguous()) input = c.data<float>().ToArray();
                    var (worker, reason) = PyTorchForward.Start(python, encoderPath, input, shape, threads);
                    if (worker is null)
                    {
                        skipped.Add(new BackendTiming("TorchScript", "PyTorch", null, null, reason));
                    }
                    else
                    {
                        pytorch = worker;
                        var row = new BackendTiming("TorchScript", $"PyTorch {worker.Version} ({python})", null, MaxAbsDiff(python, worker.Tokens, reference), null);
                        timers.Add((row, worker.Time));
                    }
                }
                var times = timers.Select(_ => new List<double>()).ToArray();
                for (var round = 0; round < warmup + steps; round++)
                {
                    for (var b = 0; b < timers.Count; b++)
                    {
                        var ms = timers[b].Time();
                        if (round >= warmup) times[b].Add(ms);
                    }
                }

                var rows = timers.Select((t, b) => t.Row with { MedianMs = Median(times[b]) }).Concat(skipped).ToList();
                return new EncoderForwardResult(encoderPath, shape, threads, steps, warmup, loadBefore, LoadAverage(), rows);
            }
            finally
            {
                onnx?.Dispose();
                pytorch?.Dispose();
            }
        }

        private static double Stopwatched(Action forward)
        {
            var clock = Stopwatch.StartNew();
            forward();
            return clock.Elapsed.TotalMilliseconds;
        }

        private static double MaxAbsDiff(string what, float[] tokens, float[] reference)
        {
            if (tokens.Length != reference.Length)
                throw new EncoderException($"{what}: gave {tokens.Length} token values where TorchSharp gave {reference.Length}; is it the same encoder?");
            double worst = 0;
            for (var i = 0; i < tokens.Length; i++) worst = Math.Max(worst, Math.Abs((double)tokens[i] - reference[i]));
            return worst;
        }

        private static double Median(List<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            var n = sorted.Length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        private static string Version(Type t) => t.Assembly.GetName().Version?.ToString(3) ?? "unknown";

        /// <summary>The 1, 5 and 15 minute load averages, or "unknown" where /proc is not there.</summary>
        private static string LoadAverage() =>
            File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
    }
}
