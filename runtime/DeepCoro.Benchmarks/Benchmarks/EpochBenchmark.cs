using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// An end-to-end training epoch from an on-disk dataset, as `train` runs one: the loader reading the token files
    /// (prefetching in the background), then <see cref="TrainStep"/> per batch (forward, losses, backward,
    /// clipping, AdamW). One untimed epoch first warms the page cache, the allocator and the JIT; the second is
    /// timed. The dataset is <see cref="SyntheticData"/>'s planted one (heads cathEF and abnormal), written once
    /// as float32 .npy files and once as their float16 rounding, so that the two token dtypes read their own files.
    /// </summary>
    public static class EpochBenchmark
    {
        /// <summary>Writes the float32 set under directory/float32 and its float16 twin (the same manifest, every
        /// .npy rounded to '&lt;f2') under directory/float16.</summary>
        public static void Prepare(string directory, SyntheticOptions o)
        {
            var wide = Path.Combine(directory, "float32");
            SyntheticData.Write(wide, o);
            var half = Path.Combine(directory, "float16");
            foreach (var file in Directory.EnumerateFiles(wide, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(half, Path.GetRelativePath(wide, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                if (!file.EndsWith(".npy", StringComparison.Ordinal)) { File.Copy(file, target, overwrite: true); continue; }
                var array = Npy.Read(file);
                var rounded = array.Data.Select(v => (Half)v).ToArray();
                using var stream = File.Create(target);
                Npy.WriteFloat16(stream, rounded, array.Shape);
            }
        }

        /// <summary>The folder of a dtype's files: bfloat16 reads the float32 files, rounding them as it
        /// reads.</summary>
        public static string Folder(string directory, TokenDtype dtype) =>
            Path.Combine(directory, dtype == TokenDtype.Float16 ? "float16" : "float32");

        public static EpochBenchResult Run(ModelSpec spec, string directory, TokenDtype dtype, int batch, int seed, MachineLimits limits)
        {
            var folder = Folder(directory, dtype);
            var options = new DataOptions
            {
                Manifest = Path.Combine(folder, SyntheticData.Manifest),
                Separator = SyntheticData.Separator,
                BatchSize = batch,
                TokenDtype = dtype,
            };
            var data = Dataset.Open(spec, options, "train");
            var studies = data.Studies.Train;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            manual_seed(seed);
            var plan = ModelPlan.Of(spec);
            using var model = new MilModel(plan, ClsKernel.Fused);
            var training = new TrainOptions();
            using var optimizer = new AdamOptimizer(ParameterGroups.Of(plan, model, training.Optimizer), training.Optimizer);
            var step = new TrainStep(model, optimizer, training.ClipNorm, CPU);
            model.train();

            int batches = 0, videos = 0;
            double Epoch(int epoch)
            {
                batches = 0;
                videos = 0;
                var watch = Stopwatch.StartNew();
                foreach (var b in data.Pass(studies, true, seed, epoch))
                {
                    step.Accumulate(b, new SplitResults(spec.Heads, training.Loss), 1);
                    step.Update(1.0);
                    batches++;
                    videos += b.Mask.Count(v => v);
                    b.Release();
                }
                return watch.Elapsed.TotalSeconds;
            }
            Epoch(0);
            var seconds = Epoch(1);

            var fileBytes = studies.SelectMany(s => s.Videos).Sum(v => new FileInfo(v.Path).Length);
            var trainable = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
            var (forward, backward) = MultiplyAdds(spec, videos, data.Geometry.Tokens);
            var arithmetic = (forward + backward) / limits.MultiplyAddsPerSecond;
            // the practical floor sums per batch: the token read bounds forward and backward alike
            var tokenRead = (double)videos * data.Geometry.Tokens * spec.EmbeddingDim * (dtype == TokenDtype.Float32 ? 4 : 2) / limits.BytesPerSecond;
            var practical = Math.Max(forward / limits.MultiplyAddsPerSecond, tokenRead) + Math.Max(backward / limits.MultiplyAddsPerSecond, tokenRead)
                               + batches * 28.0 * trainable / limits.BytesPerSecond;
            return new EpochBenchResult(dtype, studies.Count, videos, fileBytes, batches, seconds,
                studies.Count / seconds, studies.Count / arithmetic, studies.Count / practical, limits);
        }

        /// <summary>
        /// The cls levels' multiply-adds over the epoch, as <see cref="ProbeBenchmark"/> counts them: 2h per token
        /// element forward, 2h backward at the input level (no token gradient) and 4h above it; masked videos are
        /// skipped by the one-pass kernel and not counted.
        /// </summary>
        private static (double Forward, double Backward) MultiplyAdds(ModelSpec spec, int videos, int tokens)
        {
            double forward = 0, backward = 0;
            void Walk(System.Collections.Generic.IEnumerable<PoolStage> stages)
            {
                foreach (var stage in stages)
                {
                    if (stage is ConcatStage concat) foreach (var branch in concat.Branches) Walk(branch);
                    if (stage is not PoolLevel { Kind: PoolKind.ClsToken } level) continue;
                    var inner = level.Over == spec.Axes[^1];
                    var elements = (inner ? (double)videos * tokens : videos) * spec.EmbeddingDim * level.Options.AttentionHeads;
                    forward += 2 * elements;
                    backward += (inner ? 2 : 4) * elements;
                }
            }
            Walk(spec.Pooling);
            return (forward, backward);
        }
    }
}
