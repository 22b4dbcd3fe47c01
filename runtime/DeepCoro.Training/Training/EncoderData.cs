using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Video;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// The data of a run that trains with a video encoder: the manifest names videos; the frozen bottom of the encoder
    /// never changes, so its output is computed once per video into a cache folder (float16 or float32 safetensors)
    /// and the dataset reads those files, each step running only the trainable rest (<see cref="EncoderProbe"/>).
    /// With video_freeze_ratio 1.0 the cache holds the encoder's tokens and the probe trains on them alone. Under
    /// random stride the training split's files are computed anew before each epoch; validation and test keep the
    /// draw of pass 0. A video that cannot be read is reported once and its study loses it; a study left with no
    /// video is skipped, and counted.
    /// </summary>
    public static class EncoderData
    {
        public static Dataset Open(ModelSpec spec, DataOptions data, EncoderOptions options, int seed, string device,
            IEncodingObserver observer, CancellationToken cancel = default, params string[] required)
        {
            if (data.Layout != FileLayout.Video)
                throw new DataException($"{data.Manifest}: with an encoder every manifest row names one video (data.layout: video)");
            if (data.EmbeddingsDir is not null)
                throw new DataException($"{data.Manifest}: with an encoder the manifest's videos are read, not an embeddings folder; drop the embeddings folder");
            var studies = Manifest.Read(data, spec.Heads, spec.ViewEmbedding?.Classes ?? 0);
            foreach (var note in studies.Notes) observer.Note(note);
            using var encoder = ScriptedEncoder.Load(options.Path, DeviceChoice.Parse(device));
            var plan = FreezeRule.Plan(options.FreezeRatio, encoder.BackboneParameters.Count, encoder.Cuts);
            if (FreezeRule.Warning(options.FreezeRatio) is { } warning) observer.Note(warning);

            var train = studies.Train.SelectMany(s => s.Videos).Select(v => v.Path).Distinct().ToList();
            DatasetStatistics? statistics = null;
            if (options.DatasetMean is not { Count: > 0 } || options.DatasetStd is not { Count: > 0 })
            {
                var unnormalised = new FrameSampling { Frames = options.Frames, Stride = options.Stride, RandomStride = options.RandomStride };
                // the reference's statistics batch: max(1, min(batch_size, 4)) videos
                statistics = DatasetStatistics.Compute(train, unnormalised, Math.Clamp(data.BatchSize, 1, 4), seed);
                observer.Note(string.Create(CultureInfo.InvariantCulture,
                    $"dataset statistics from {statistics.Videos.Count} training videos: mean {statistics.Mean[0]:0.####}, std {statistics.Std[0]:0.####} (first channel, as the reference applies them); set dataset_mean and dataset_std to reuse them"));
            }
            var sampling = options.Sampling(statistics);
            var cut = plan.WholeEncoderFrozen ? null : plan.Cut;
            var folder = CacheFolder(data, options, encoder, cut, sampling);
            observer.Note(plan.WholeEncoderFrozen
                ? $"encoder frozen whole: its tokens are computed once per video into {folder}"
                : $"encoder: {plan.TrainableTensors} of {plan.BackboneTensors} backbone tensors train (video_freeze_ratio {plan.Ratio.ToString("R", CultureInfo.InvariantCulture)}); its stem and first {cut!.Blocks} blocks are computed once per video into {folder}");

            var videos = new List<VideoItem>();
            var seen = new HashSet<string>();
            foreach (var s in studies.Train.Concat(studies.Val).Concat(studies.Test).Concat(studies.Inference))
            {
                foreach (var v in s.Videos)
                    if (seen.Add(v.Path)) videos.Add(new VideoItem(v.Path, $"{data.Manifest}:{v.Line}"));
            }

            var files = videos.ToDictionary(v => v, v => CacheName(v.Path));
            EncodingRequest Request(IReadOnlyList<VideoItem> which, int pass, ExistingFiles existing, FrameSampling how) => new()
            {
                Videos = which,
                Files = files,
                OutputDirectory = folder,
                Sampling = how,
                Cut = cut,
                Half = options.HalfPrecisionCache,
                DecodeThreads = options.DecodeThreads,
                Seed = seed,
                Pass = pass,
                Existing = existing,
            };
            var result = EncodingJob.Run(encoder, Request(videos, 0, ExistingFiles.Resume, sampling), observer, cancel);
            if (result.Failures.Count > 0)
            {
                var report = Path.Combine(folder, "failures.csv");
                Embedder.WriteFailures(report, result.Failures);
                observer.Note($"{result.Failures.Count} videos could not be used (listed in {report}); their studies train without them; the first: {result.Failures[0].Reason}");
            }

            var cached = result.Encoded.ToDictionary(e => e.Video.Path, e => e.File);
            // augmentation and a random stride are the training split's alone: its files are its own copies, drawn
            // anew each epoch, so that validation and test keep pass 0's frames of a video they share with it
            var training = sampling with { RandAugment = options.RandAugment };
            var trainingFolder = Path.Combine(folder, "training");
            string TrainingCopy(string file) => Path.Combine(trainingFolder, Path.GetFileName(file));
            var dropped = 0;
            List<Study> Remap(IReadOnlyList<Study> split, Func<string, string> file)
            {
                var kept = new List<Study>();
                foreach (var s in split)
                {
                    var refs = s.Videos.Where(v => cached.ContainsKey(v.Path)).Select(v => v with { Path = file(cached[v.Path]) }).ToList();
                    if (refs.Count == 0) { dropped++; continue; }
                    kept.Add(new Study { Id = s.Id, Split = s.Split, Videos = refs, Labels = s.Labels, Events = s.Events, FirstLine = s.FirstLine, Group = s.Group });
                }
                return kept;
            }
            Func<string, string> trainFile = training.Deterministic ? f => f : TrainingCopy;
            var remapped = new ManifestData(Remap(studies.Train, trainFile), Remap(studies.Val, f => f), Remap(studies.Test, f => f),
                Remap(studies.Inference, f => f), studies.Notes)
            { Warnings = studies.Warnings };
            if (dropped > 0) observer.Note($"{dropped} studies have no usable video and are skipped");
            if (result.Encoded.Count == 0) throw new DataException($"{data.Manifest}: no video could be used; see {Path.Combine(folder, "failures.csv")}");

            var inTraining = train.ToHashSet();
            var trainVideos = videos.Where(v => cached.ContainsKey(v.Path) && inTraining.Contains(v.Path)).ToList();
            if (!training.Deterministic)
            {
                Directory.CreateDirectory(trainingFolder);
                foreach (var v in trainVideos) File.Copy(cached[v.Path], TrainingCopy(cached[v.Path]), overwrite: true);
            }
            var geometry = plan.WholeEncoderFrozen ? new Geometry(spec, data) : new Geometry((int)result.Encoded[0].Shape[^1], data.Layout);
            var dataset = Dataset.Over(spec, data, remapped, geometry, required);
            if (training.Deterministic) return dataset;
            return dataset.WithTrainingRefresh((epoch, token) =>
            {
                if (epoch == 0 && !training.RandAugment) return;   // the training copies hold pass 0's draws
                using var again = ScriptedEncoder.Load(options.Path, DeviceChoice.Parse(device));
                var why = training.RandAugment ? "rand_augment" : "random stride";
                observer.Note($"epoch {epoch + 1}: {why}: the training videos' prefix is computed anew");
                EncodingJob.Run(again, Request(trainVideos, epoch, ExistingFiles.Rewrite, training) with { OutputDirectory = trainingFolder }, observer, token);
            });
        }

        /// <summary>One folder per encoder file, cut, precision and sampling, so that runs differing in any of them
        /// never share files.</summary>
        public static string CacheFolder(DataOptions data, EncoderOptions options, ScriptedEncoder encoder, EncoderCut? cut, FrameSampling sampling)
        {
            var root = options.CacheDirectory ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(data.Manifest))!, ".deepcoro-encoder-cache");
            var what = cut is null ? "tokens" : $"prefix{cut.Blocks}";
            var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sampling.Describe())))[..8].ToLowerInvariant();
            return Path.Combine(root, $"{encoder.Digest}-{what}-{(options.HalfPrecisionCache ? "f16" : "f32")}-{key}");
        }

        /// <summary>A cache file per video path: its stem and a hash of the path,
        /// since stems repeat across folders.</summary>
        private static string CacheName(string video) =>
            Path.GetFileNameWithoutExtension(video) + "-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(video)))[..12].ToLowerInvariant() + EmbeddingNames.Extension;
    }
}
