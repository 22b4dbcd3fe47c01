using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Model;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepCoro.Runtime.Benchmarks
{
    public sealed record BenchOptions(int Batch, int Videos, int Tokens, int Steps, int Warmup, Device Device, int Seed = 0);

    /// <summary>One kernel's figures: medians in ms, the process's peak RSS while it ran, and what the steps added to it.</summary>
    public sealed record BenchResult(
        ClsKernel Kernel, string Device, int Threads, int Batch, int Videos, int Tokens, int Dim,
        double TrainStepMs, double EvalMs, double ReadFloorMs, double PeakRssMb, double StepExtraMb);

    /// <summary>
    /// Times a probe on synthetic inputs: one training step (forward, multi-task loss, backward, AdamW step) and
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
            using var mask = ones(o.Batch, n, ScalarType.Bool, o.Device);
            if (n > 1) using (no_grad()) mask[0, n - 1] = false;   // one padded video, as the reference bench
            var targets = spec.Heads.ToDictionary(h => h.Name, h => Target(h, o.Batch, o.Device));
            using var optimizer = optim.AdamW(model.parameters(), lr: 1e-4);

            double readFloor = Median(o, () => { using var s = x.sum(); s.item<float>(); });

            model.train();
            long before = Rss.CurrentBytes();
            Rss.ResetPeak();
            double train = Median(o, () =>
            {
                using var scope = NewDisposeScope();
                var outputs = model.forward(new ModelInput(x, mask));
                var loss = spec.Heads.Select(h => Loss(h, outputs[h.Name], targets[h.Name])).Aggregate((a, b) => a + b);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
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

        private static Tensor Target(HeadSpec head, int batch, Device device) => head.Task switch
        {
            TaskKind.Regression => randn(batch, head.Outputs, device: device),
            TaskKind.Binary => randint(0, 2, batch, device: device).to(ScalarType.Float32),
            _ => randint(0, head.Outputs, batch, device: device),
        };

        /// <summary>The reference bench's losses: mse, cross-entropy, and bce on the positive logit.</summary>
        private static Tensor Loss(HeadSpec head, Tensor output, Tensor target) => head.Task switch
        {
            TaskKind.Regression => F.mse_loss(output, target),
            TaskKind.Binary => F.binary_cross_entropy_with_logits(output.select(1, output.shape[1] - 1), target),
            _ => F.cross_entropy(output, target),
        };

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
