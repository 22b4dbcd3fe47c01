using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    public sealed record BenchOptions(int Batch, int Videos, int Tokens, int Steps, int Warmup, Device Device, int Seed = 0);

    /// <summary>One kernel's figures: medians in ms, the process's peak RSS while it ran, and what the steps added to it.</summary>
    public sealed record BenchResult(
        ClsKernel Kernel, string Device, int Threads, int Batch, int Videos, int Tokens, int Dim,
        double TrainStepMs, double EvalMs, double ReadFloorMs, double PeakRssMb, double StepExtraMb);

    /// <summary>
    /// Times a probe on synthetic inputs: one training step as `train` runs it (forward, the heads' losses,
    /// backward, the AdamW step over the reference's parameter groups) and
    /// one no-grad forward, against the time of one full read of the input (the memory-bandwidth floor).
    /// </summary>
    public static class ProbeBenchmark
    {
        public static BenchResult Run(ModelSpec spec, ClsKernel kernel, BenchOptions o)
        {
            if (spec.Axes.Count != 2) throw new ArgumentException($"bench needs a [B, videos, tokens, D] spec, got axes [{string.Join(", ", spec.Axes)}]");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            manual_seed(o.Seed);
            using var model = new MilModel(spec, kernel);
            model.to(o.Device);
            using var x = randn(new long[] { o.Batch, o.Videos, o.Tokens, spec.EmbeddingDim }, device: o.Device);
            long n = o.Videos;
            // One padded video in the first study, as the reference bench.
            using var mask = tensor(Enumerable.Range(0, o.Batch * o.Videos).Select(i => !(n > 1 && i == n - 1)).ToArray(), new long[] { o.Batch, n }, device: o.Device);
            var targets = spec.Heads.ToDictionary(h => h.Name, h => Target(h, o.Batch, o.Device));
            var optimizerOptions = new OptimizerOptions();
            using var optimizer = new AdamOptimizer(ParameterGroups.Of(spec, model, optimizerOptions), optimizerOptions);
            var lossOptions = new LossOptions();

            double readFloor = Median(o, () => { using var s = x.sum(); s.item<float>(); });

            model.train();
            long before = Rss.CurrentBytes();
            Rss.ResetPeak();
            double train = Median(o, () =>
            {
                using var scope = NewDisposeScope();
                var outputs = model.forward(new ModelInput(x, mask));
                var loss = spec.Heads.Select(h => Losses.Reduce(h, Losses.PerSample(h, outputs[h.Name], targets[h.Name], lossOptions))).Aggregate((a, b) => a + b);
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.Step(1.0);
            });
            long peak = Rss.PeakBytes();

            model.eval();
            double eval = Median(o, () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var outputs = model.forward(new ModelInput(x, mask));
                outputs.Values.First().sum().item<float>();
            });
            foreach (var t in targets.Values) t.Dispose();
            return new BenchResult(kernel, o.Device.ToString(), get_num_threads(), o.Batch, o.Videos, o.Tokens, spec.EmbeddingDim,
                train, eval, readFloor, peak / 1048576.0, Math.Max(0, peak - before) / 1048576.0);
        }

        /// <summary>A target per study as the training losses take it: a value, or a class index as float.</summary>
        private static Tensor Target(HeadSpec head, int batch, Device device) => head.Task == TaskKind.Regression
            ? randn(new long[] { batch }, device: device)
            : randint(0, head.Task == TaskKind.Binary ? 2 : head.Outputs, new long[] { batch }, device: device).to(ScalarType.Float32);

        private static double Median(BenchOptions o, Action step)
        {
            for (int i = 0; i < o.Warmup; i++) step();
            var times = new List<double>();
            for (int i = 0; i < o.Steps; i++)
            {
                var sw = Stopwatch.StartNew();
                step();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            return times[times.Count / 2];
        }
    }

    /// <summary>Linux resident-set figures from /proc: the current size, and the peak since the last reset.</summary>
    public static class Rss
    {
        public static long CurrentBytes() => Read("VmRSS:");
        public static long PeakBytes() => Read("VmHWM:");

        /// <summary>Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS (Linux 4.0+).</summary>
        public static void ResetPeak()
        {
            try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private static long Read(string field)
        {
            if (!File.Exists("/proc/self/status")) return 0;
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field));
            return line is null ? 0 : long.Parse(line.Substring(field.Length).Trim().Split(' ')[0]) * 1024;
        }
    }
}
