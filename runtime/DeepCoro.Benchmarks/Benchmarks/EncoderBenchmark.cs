using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Encoders;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;
using Probe = TorchSharp.torch.nn.Module<DeepCoro.Runtime.Model.ModelInput, System.Collections.Generic.OrderedDictionary<string, TorchSharp.torch.Tensor>>;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// Times a training step (<see cref="TrainStep"/>: forward, loss, backward, clipping, the AdamW step over the
    /// reference's groups plus video_encoder) of an encoder fine-tuned with a probe, both ways, on random frames of
    /// the size the encoder was exported for; <c>probe</c> gives the probe for the encoder's token width.
    /// </summary>
    public static class EncoderBenchmark
    {
        public static EncoderBenchResult Run(string encoderPath, double ratio, Func<int, ModelSpec> probe, BenchOptions o)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var encoder = ScriptedEncoder.Load(encoderPath, o.Device);
            encoder.Module.eval();
            var plan = FreezeRule.Plan(ratio, encoder.BackboneParameters.Count, encoder.Cuts);
            if (plan.WholeEncoderFrozen) throw new DeepCoroUserException("ratio 1.0 trains no encoder parameter: the probe alone is `deepcoro bench`");
            manual_seed(o.Seed);
            using var frames = randn(new long[] { o.Batch * o.Videos }.Concat(encoder.InputShape!).ToArray(), device: o.Device);
            Tensor prefix;
            using (no_grad()) prefix = encoder.Prefix(frames, plan.Cut!).cpu();
            long[] tokenShape;
            using (no_grad())
            using (var t = encoder.Tokens(frames)) tokenShape = t.shape;
            if (tokenShape.Length != 3) throw new DeepCoroUserException($"{encoderPath}: bench times encoders that give tokens [B, L, D]; this one gives [{string.Join(", ", tokenShape)}]");
            var spec = probe((int)tokenShape[2]);
            var cuda = o.Device.type == DeviceType.CUDA;
            var prefixMs = ProbeBenchmark.Median(o, cuda, () =>
            {
                using var _ = no_grad();
                using var h = encoder.Prefix(frames, plan.Cut!);
            });

            var options = new EncoderOptions { Path = encoderPath, FreezeRatio = ratio, Lr = 1e-5, WeightDecay = 1e-5 };
            var probePlan = ModelPlan.Of(spec);
            double Step(Probe model, Tensor input)
            {
                model.to(o.Device);
                var training = new TrainOptions();
                using var optimizer = new AdamOptimizer(ParameterGroups.Of(probePlan, model, training.Optimizer), training.Optimizer);
                var step = new TrainStep(model, optimizer, training.ClipNorm, o.Device);
                using var cpu = input.cpu().contiguous();
                var values = cpu.data<float>().ToArray();
                var shape = new long[] { o.Batch, o.Videos }.Concat(input.shape.Skip(1)).ToArray();
                var batch = new StudyBatch(Studies(spec, o.Batch), values, shape, Enumerable.Repeat(true, o.Batch * o.Videos).ToArray(), null,
                    new double[o.Batch * spec.Heads.Count], spec.Heads.Count);
                model.train();
                return ProbeBenchmark.Median(o, cuda, () =>
                {
                    step.Accumulate(batch, new SplitResults(spec.Heads, training.Loss), 1);
                    step.Update(1.0);
                });
            }
            manual_seed(o.Seed);
            double wholeMs;
            using (var whole = EncoderProbe.WholeEncoder(probePlan, options)) wholeMs = Step(whole, frames);
            manual_seed(o.Seed);
            double cachedMs;
            using (var cached = EncoderProbe.Create(probePlan, options)) cachedMs = Step(cached, prefix);
            var cacheShape = prefix.shape.Skip(1).ToArray();
            prefix.Dispose();
            return new EncoderBenchResult(encoderPath, ratio, plan.TrainableTensors, plan.BackboneTensors, plan.Cut!.Blocks, cacheShape,
                cacheShape.Aggregate(2L, (a, d) => a * d) / 1048576.0, prefixMs, wholeMs, cachedMs);
        }

        private static Study[] Studies(ModelSpec spec, int batch) =>
            Enumerable.Range(0, batch).Select(i => new Study { Id = $"s{i}", Split = "train", Videos = new List<VideoRef>(), Labels = new double[spec.Heads.Count] }).ToArray();
    }
}
