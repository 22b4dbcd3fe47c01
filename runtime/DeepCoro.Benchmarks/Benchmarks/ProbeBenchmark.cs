using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Telemetry;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// Times a probe on synthetic inputs: one training step as `train` runs it (<see cref="TrainStep"/>: the batch
    /// to the device, forward, the heads' weighted label-masked losses, backward, clipping, the AdamW step over the
    /// reference's parameter groups with the default training options) and one no-grad forward, against the time of
    /// one full read of the input (the memory-bandwidth floor). On CUDA each timed call ends with a synchronize.
    /// The floors under the measured <see cref="MachineLimits"/>: the eval forward at max(arithmetic, token read);
    /// the training step at that for the forward, again for the backward, plus AdamW's bytes (parameter, gradient
    /// and both moments read, three written: 28 bytes a trainable parameter) at the bandwidth. The arithmetic counts
    /// the cls attention over its tokens, the dominant term: 2 h multiply-adds per token element forward (scores and
    /// weighted sum), 2 h backward where the tokens need no gradient (the input level) and 4 h where they do. The
    /// token read counts the tokens' own bytes: 2 per element with 16-bit tokens
    /// (<see cref="BenchOptions.TokenDtype"/>).
    /// </summary>
    public static class ProbeBenchmark
    {
        public static BenchResult Run(ModelSpec spec, ClsKernel kernel, BenchOptions o, MachineLimits limits)
        {
            if (spec.Axes.Count != 2) throw new DeepCoroUserException($"bench needs a [B, videos, tokens, D] spec, got axes [{string.Join(", ", spec.Axes)}]");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            manual_seed(o.Seed);
            var plan = ModelPlan.Of(spec);
            using var model = new MilModel(plan, kernel);
            model.to(o.Device);
            var shape = new long[] { o.Batch, o.Videos, o.Tokens, spec.EmbeddingDim };
            var values = new float[o.Batch * o.Videos * o.Tokens * spec.EmbeddingDim];
            using (var r = randn(shape)) r.data<float>().CopyTo(values, 0);
            long n = o.Videos;
            // One padded video in the first study, as the reference bench.
            var maskValues = Enumerable.Range(0, o.Batch * o.Videos).Select(i => !(n > 1 && i == n - 1)).ToArray();
            var batch = new StudyBatch(Studies(spec, o.Batch), values, shape, maskValues, null, Labels(spec, o.Batch), spec.Heads.Count);
            using var x = Tokens(values, shape, o.TokenDtype, o.Device);
            // the step reads the batch as the loader gives it: 16-bit tokens in a tensor of their own
            using var bits = o.TokenDtype == TokenDtype.Float32 ? null : TokenBits.Tensor(values.Length, o.TokenDtype);
            if (bits is not null)
            {
                TokenBits.Narrow(values, TokenBits.Of(bits), o.TokenDtype);
                batch = batch with { X = Array.Empty<float>(), X16 = bits, Dtype = o.TokenDtype };
            }
            using var mask = tensor(maskValues, new long[] { o.Batch, n }, device: o.Device);
            var training = new TrainOptions();
            using var optimizer = new AdamOptimizer(ParameterGroups.Of(plan, model, training.Optimizer), training.Optimizer);
            var step = new TrainStep(model, optimizer, training.ClipNorm, o.Device);
            var cuda = o.Device.type == DeviceType.CUDA;

            var readFloor = Median(o, cuda, () => { using var s = x.sum(); using var f = s.to(ScalarType.Float32); f.item<float>(); });

            model.train();
            var before = Rss.CurrentBytes();
            Rss.ResetPeak();
            var train = Median(o, cuda, () =>
            {
                step.Accumulate(batch, new SplitResults(spec.Heads, training.Loss), 1);
                step.Update(1.0);
            });
            var peak = Rss.PeakBytes();

            model.eval();
            var eval = Median(o, cuda, () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var outputs = model.forward(new ModelInput(x, mask));
                outputs.Values.First().sum().item<float>();
            });
            var (forward, backward) = MultiplyAdds(plan, o);
            var tokenRead = (double)x.NumberOfElements * x.ElementSize / limits.BytesPerSecond;
            var attention = kernel == ClsKernel.Fused && !cuda ? OnePassAlone(plan, x, o, limits, tokenRead) : null;
            var trainable = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
            var evalFloor = Math.Max(forward / limits.MultiplyAddsPerSecond, tokenRead);
            var trainFloor = evalFloor + Math.Max(backward / limits.MultiplyAddsPerSecond, tokenRead) + 28.0 * trainable / limits.BytesPerSecond;
            return new BenchResult(kernel, o.Device.ToString(), get_num_threads(), o.Batch, o.Videos, o.Tokens, spec.EmbeddingDim,
                train, eval, readFloor, peak / 1048576.0, Math.Max(0, peak - before) / 1048576.0,
                limits, evalFloor * 1000, trainFloor * 1000, OnePassClsAttention.Lanes, o.TokenDtype)
            { OnePass = attention };
        }

        /// <summary>The input level's one-pass attention alone (<see cref="ClsAttentionFunction"/> on the bench's
        /// tokens, random u, beta and cls token), so the kernel's distance to its floors shows apart from the rest of
        /// the step.</summary>
        private static OnePassTiming? OnePassAlone(ModelPlan plan, Tensor x, BenchOptions o, MachineLimits limits, double tokenRead)
        {
            if (plan.ClsPools.FirstOrDefault(p => p.Over == plan.Spec.Axes[^1]) is not { } level) return null;
            long rows = (long)o.Batch * o.Videos, width = plan.Spec.EmbeddingDim, heads = level.Heads;
            using var tokens = x.view(rows, o.Tokens, width);
            using var u = randn(heads, width).requires_grad_();
            using var beta = randn(heads).requires_grad_();
            using var cls = randn(width).requires_grad_();
            using var g = randn(rows, heads, width + 1);
            var forward = Median(o, false, () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                ClsAttentionFunction.apply(tokens, null, u, beta, cls, null);
            });
            var both = Median(o, false, () =>
            {
                using var scope = NewDisposeScope();
                ClsAttentionFunction.apply(tokens, null, u, beta, cls, null).mul(g).sum().backward();
                u.grad?.zero_();
                beta.grad?.zero_();
                cls.grad?.zero_();
            });
            var floor = Math.Max((double)rows * o.Tokens * width * heads * 2 / limits.MultiplyAddsPerSecond, tokenRead) * 1000;
            return new OnePassTiming(forward, both - forward, floor);
        }

        private static Tensor Tokens(float[] values, long[] shape, TokenDtype dtype, Device device)
        {
            using var wide = tensor(values, shape, device: device);
            return dtype switch
            {
                TokenDtype.Float16 => wide.to(ScalarType.Float16),
                TokenDtype.BFloat16 => wide.to(ScalarType.BFloat16),
                _ => wide.clone(),
            };
        }

        /// <summary>The cls levels' multiply-adds forward and backward (see the class summary); the innermost axis's
        /// level reads the input, which needs no gradient.</summary>
        private static (double Forward, double Backward) MultiplyAdds(ModelPlan plan, BenchOptions o)
        {
            double forward = 0, backward = 0;
            foreach (var level in plan.ClsPools)
            {
                var inner = level.Over == plan.Spec.Axes[^1];
                double rows = inner ? (double)o.Batch * o.Videos : o.Batch, tokens = inner ? o.Tokens : o.Videos;
                var perHead = rows * tokens * plan.Spec.EmbeddingDim * level.Heads;
                forward += 2 * perHead;
                backward += (inner ? 2 : 4) * perHead;
            }
            return (forward, backward);
        }

        private static Study[] Studies(ModelSpec spec, int batch) =>
            Enumerable.Range(0, batch).Select(i => new Study { Id = $"s{i}", Split = "train", Videos = new List<VideoRef>(), Labels = new double[spec.Heads.Count] }).ToArray();

        /// <summary>Labels [B, heads] as the loader gives them: a value,
        /// or a class index; every label present.</summary>
        private static double[] Labels(ModelSpec spec, int batch)
        {
            var labels = new double[batch * spec.Heads.Count];
            for (var h = 0; h < spec.Heads.Count; h++)
            {
                using var t = Target(spec.Heads[h], batch).to(ScalarType.Float64);
                var column = t.data<double>().ToArray();
                for (var i = 0; i < batch; i++) labels[i * spec.Heads.Count + h] = column[i];
            }
            return labels;
        }

        /// <summary>A target per study as the training losses take it: a value, or a class index.</summary>
        private static Tensor Target(HeadSpec head, int batch) => head.Task == TaskKind.Regression
            ? randn(new long[] { batch })
            : randint(0, head.Task == TaskKind.Binary ? 2 : head.Outputs, new long[] { batch }).to(ScalarType.Float32);

        internal static double Median(BenchOptions o, bool cuda, Action step)
        {
            for (var i = 0; i < o.Warmup; i++) step();
            if (cuda) torch.cuda.synchronize();
            var times = new List<double>();
            for (var i = 0; i < o.Steps; i++)
            {
                var sw = Stopwatch.StartNew();
                step();
                // queued kernels belong to the step they came from
                if (cuda) torch.cuda.synchronize();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            return times[times.Count / 2];
        }
    }

}
