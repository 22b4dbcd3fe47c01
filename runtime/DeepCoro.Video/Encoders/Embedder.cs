using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.Video;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// `deepcoro embed`: every video of a CSV (or a list) through a TorchScript or ONNX encoder, one [L, D] (or [D])
    /// float16 safetensors file per video named by its stem, a manifest of what was written and one report of the
    /// videos that could not be used. A shard takes every n-th video; a run without --shard over a folder the shards
    /// filled checks their files and writes the whole manifest.
    /// </summary>
    public static class Embedder
    {
        public static EmbedSummary Run(EmbedOptions o, IEncodingObserver observer, CancellationToken cancel = default)
        {
            if (o.Shards < 1 || o.Shard < 0 || o.Shard >= o.Shards)
                throw new DeepCoroUserException($"shard {o.Shard}/{o.Shards}: expected i/n with 0 <= i < n");
            var videos = o.Csv is { } csv
                ? VideoList.FromCsv(csv, o.Column, o.Separator, o.Root, o.Split)
                : VideoList.FromFiles(o.Files);
            if (videos.Count == 0)
                throw new DataException(o.Csv is { } c ? $"{c}: no video to embed{(o.Split is { } s ? $" in split '{s}'" : "")}" : "no video to embed", Remedy.GiveVideos);
            var root = o.Root ?? (o.Csv is { } c2 ? Path.GetDirectoryName(Path.GetFullPath(c2)) : Directory.GetCurrentDirectory());
            var files = EmbeddingNames.Plan(videos, root, o.KeepFolders);
            using var encoder = TokenEncoders.LoadForEmbedding(o.Encoder, o.Backend, DeviceChoice.Parse(o.Device), TorchSharp.torch.get_num_threads());
            if (encoder.InputShape is null && (o.Frames is null || o.Resize is null))
            {
                throw new EncoderException($"{o.Encoder}: the encoder does not say the frames and size it takes (no input_shape(), or an ONNX input whose T, H, W are not fixed)",
                    Remedy.GiveFramesAndResize);
            }

            var sampling = new FrameSampling
            {
                Frames = o.Frames ?? (int)encoder.InputShape![1],
                Stride = o.Stride,
                RandomStride = !o.FixedStride,
                Resize = o.Resize ?? (int)encoder.InputShape![2],
                Mean = o.Mean ?? 0,
                Std = o.Std ?? 1,
            };
            DatasetStatistics? statistics = null;
            if (o.Mean is null || o.Std is null)
            {
                // every shard computes them from the same first videos, so all shards normalise alike
                statistics = DatasetStatistics.Compute(videos.Select(v => v.Path), sampling, o.StatisticsVideos, o.Seed);
                sampling = sampling with { Mean = o.Mean ?? statistics.Mean[0], Std = o.Std ?? statistics.Std[0] };
                observer.Note(string.Create(CultureInfo.InvariantCulture,
                    $"dataset statistics from {statistics.Videos.Count} videos: mean {Format(statistics.Mean)}, std {Format(statistics.Std)}; the first channel's are applied, as the reference does (give mean {sampling.Mean:R} and std {sampling.Std:R} to reuse them)"));
            }
            sampling.Check();
            var mine = videos.Where((_, i) => i % o.Shards == o.Shard).ToList();
            var request = new EncodingRequest
            {
                Videos = mine,
                Files = files,
                OutputDirectory = o.OutputDirectory,
                Sampling = sampling,
                Half = o.Half,
                Batch = Math.Max(1, o.Batch),
                DecodeThreads = o.DecodeThreads,
                MinFrames = o.MinFrames,
                Seed = o.Seed,
                Existing = o.Resume ? ExistingFiles.Resume : ExistingFiles.Refuse,
            };
            var result = EncodingJob.Run(encoder, request, observer, cancel);
            var suffix = o.Shards > 1 ? $".shard-{o.Shard}-of-{o.Shards}" : "";
            var manifest = Path.Combine(o.OutputDirectory, $"manifest{suffix}.csv");
            var failures = Path.Combine(o.OutputDirectory, $"failures{suffix}.csv");
            WriteManifest(manifest, o.OutputDirectory, result);
            WriteFailures(failures, result.Failures);
            return new EmbedSummary(result, sampling, statistics, manifest, failures);
        }

        /// <summary>video, embedding (relative to the folder), origin, shape,
        /// frames_read (empty when kept from an earlier run).</summary>
        public static void WriteManifest(string path, string folder, EncodingResult result)
        {
            var sb = new StringBuilder("video,embedding,origin,shape,frames_read\n");
            foreach (var e in result.Encoded)
            {
                sb.Append(Csv(e.Video.Path)).Append(',').Append(Csv(Path.GetRelativePath(folder, e.File))).Append(',').Append(Csv(e.Video.Origin))
                  .Append(',').Append(string.Join("x", e.Shape)).Append(',').Append(e.FramesRead > 0 ? e.FramesRead.ToString(CultureInfo.InvariantCulture) : "").Append('\n');
            }

            AtomicFile.WriteText(path, sb.ToString());
        }

        /// <summary>video, origin, reason: one row per video that could not be used.</summary>
        public static void WriteFailures(string path, IReadOnlyList<VideoFailure> failures)
        {
            var sb = new StringBuilder("video,origin,reason\n");
            foreach (var f in failures) sb.Append(Csv(f.Video.Path)).Append(',').Append(Csv(f.Video.Origin)).Append(',').Append(Csv(f.Reason)).Append('\n');
            AtomicFile.WriteText(path, sb.ToString());
        }

        private static string Csv(string field) =>
            field.IndexOfAny(new[] { ',', '"', '\n', '\r' }) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

        private static string Format(double[] values) =>
            "[" + string.Join(", ", values.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))) + "]";
    }
}
