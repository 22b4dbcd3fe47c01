using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Telemetry;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    public static class TelemetryBenchmark
    {
        public static TelemetryBenchResult Run(ModelSpec spec, BenchOptions o, int pairs)
        {
            manual_seed(o.Seed);
            var plan = ModelPlan.Of(spec);
            using var model = new MilModel(plan);
            model.to(o.Device);
            var shape = new long[] { o.Batch, o.Videos, o.Tokens, spec.EmbeddingDim };
            var values = new float[o.Batch * o.Videos * o.Tokens * spec.EmbeddingDim];
            using (var r = randn(shape)) r.data<float>().CopyTo(values, 0);
            var maskValues = Enumerable.Range(0, o.Batch * o.Videos).Select(i => !(o.Videos > 1 && i == o.Videos - 1)).ToArray();
            var labels = new double[o.Batch * spec.Heads.Count];
            var studies = Enumerable.Range(0, o.Batch)
                .Select(i => new Study { Id = $"s{i}", Split = "train", Videos = new List<VideoRef>(), Labels = new double[spec.Heads.Count] }).ToArray();
            var batch = new StudyBatch(studies, values, shape, maskValues, null, labels, spec.Heads.Count);
            using var x = tensor(values, shape, device: o.Device);
            using var mask = tensor(maskValues, new long[] { o.Batch, o.Videos }, device: o.Device);
            var training = new TrainOptions();
            var groups = ParameterGroups.Of(plan, model, training.Optimizer);
            using var optimizer = new AdamOptimizer(groups, training.Optimizer);
            var clock = new TelemetryClock();
            var gradients = new GradientStatistics(groups, model.ClsLevels.Select(l => l.TokenKey), training.ClipNorm, training.Telemetry.SampleEvery, clock);
            using var attention = new AttentionStatistics(model, clock);
            var plain = new TrainStep(model, optimizer, training.ClipNorm, o.Device);
            var measured = new TrainStep(model, optimizer, training.ClipNorm, o.Device, gradients);
            var onCuda = o.Device.type == DeviceType.CUDA;
            using var process = Process.GetCurrentProcess();
            double Cpu(Action work)
            {
                process.Refresh();
                var before = process.TotalProcessorTime;
                work();
                if (onCuda) cuda.synchronize();
                process.Refresh();
                return (process.TotalProcessorTime - before).TotalMilliseconds;
            }
            void Train(TrainStep step) { step.Accumulate(batch, new SplitResults(spec.Heads, training.Loss), 1); step.Update(1.0); }
            void Eval(bool watched)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using var recording = watched ? attention.Recording() : null;
                var input = new ModelInput(x, mask);
                if (watched) attention.Watch(input);
                model.forward(input).Values.First().sum().item<float>();
            }
            model.train();
            for (var i = 0; i < o.Warmup; i++) { Train(plain); Train(measured); }
            double trainOff = 0, trainOn = 0;
            for (var i = 0; i < pairs; i++) { trainOff += Cpu(() => Train(plain)); trainOn += Cpu(() => Train(measured)); }
            model.eval();
            for (var i = 0; i < o.Warmup; i++) { Eval(false); Eval(true); }
            double evalOff = 0, evalOn = 0;
            for (var i = 0; i < pairs; i++) { evalOff += Cpu(() => Eval(false)); evalOn += Cpu(() => Eval(true)); }
            return new TelemetryBenchResult(pairs, trainOff / pairs, (trainOn - trainOff) / pairs, evalOff / pairs, (evalOn - evalOff) / pairs);
        }
    }
}
