using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.Video;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// Runs an encoder over videos, one safetensors file per video: background threads decode and sample the next
    /// videos while the encoder runs on the current batch. A video that cannot be read, or is too short, is recorded
    /// and skipped, never fatal; an encoder that misbehaves is. Files are written atomically, so a killed run leaves
    /// whole files and temporaries, which the next run deletes; a resumed run checks each file it keeps.
    /// </summary>
    public static class EncodingJob
    {
        private const string Key = "embedding";

        /// <summary>The prepared input of one video, or why there is none.</summary>
        private sealed record Prepared(VideoItem Video, Tensor? Input, int FramesRead, bool Padded, string? Failure);

        public static EncodingResult Run(ITokenEncoder encoder, EncodingRequest request, IEncodingObserver observer, CancellationToken cancel = default)
        {
            var sampling = request.Sampling;
            if (request.Cut is not null && encoder is not ScriptedEncoder)
                throw new EncoderException($"{encoder.Path}: a frozen prefix needs the TorchScript encoder's prefix(); {encoder.GetType().Name} gives tokens only");
            if (encoder.InputShape is { } exported && (sampling.Frames != exported[1] || sampling.Resize != exported[2] || exported[2] != exported[3]))
                throw new EncoderException($"frames {sampling.Frames} at {sampling.Resize} x {sampling.Resize}: {encoder.Path} was exported for [{string.Join(", ", exported)}] (3, frames, height, width); sample what it expects");
            Directory.CreateDirectory(request.OutputDirectory);
            RemoveTemporaries(request);
            var metadata = Metadata(encoder, request);

            var encoded = new List<EncodedVideo>();
            var todo = new List<VideoItem>();
            var kept = 0;
            foreach (var video in request.Videos)
            {
                var file = Path.Combine(request.OutputDirectory, request.Files[video]);
                if (request.Existing == ExistingFiles.Rewrite || !File.Exists(file)) { todo.Add(video); continue; }
                if (request.Existing == ExistingFiles.Refuse)
                    throw new DeepCoroUserException($"{request.OutputDirectory}: already holds {request.Files[video]} (for {video.Path})", Remedy.ResumeOrOtherOutput);
                var shape = Existing(file, video, metadata, request.Half, observer);
                if (shape is null) { todo.Add(video); continue; }
                encoded.Add(new EncodedVideo(video, file, shape, 0));
                kept++;
            }
            observer.Started(request.Videos.Count, kept);

            var failures = new List<VideoFailure>();
            int written = 0, padded = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var channel = Channel.CreateBounded<Prepared>(new BoundedChannelOptions(Math.Max(2, 2 * request.Batch)) { SingleReader = true });
            var producer = Task.Run(async () =>
            {
                try
                {
                    await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, request.DecodeThreads), CancellationToken = stop.Token },
                        async (video, token) => await channel.Writer.WriteAsync(Prepare(video, request), token));
                    channel.Writer.Complete();
                }
                catch (Exception e) { channel.Writer.Complete(e); }
            });
            var batch = new List<Prepared>();
            try
            {
                if (encoder is ScriptedEncoder scripted) scripted.Module.eval();
                using var noGrad = no_grad();
                var reader = channel.Reader;
                while (reader.WaitToReadAsync(cancel).AsTask().GetAwaiter().GetResult())
                {
                    while (batch.Count < request.Batch && reader.TryRead(out var item))
                    {
                        if (item.Failure is { } why)
                        {
                            failures.Add(new VideoFailure(item.Video, why));
                            observer.Finished(item.Video, why);
                        }
                        else
                        {
                            batch.Add(item);
                        }
                    }
                    if (batch.Count == 0) continue;
                    foreach (var (item, shape) in Encode(encoder, batch, request, metadata))
                    {
                        encoded.Add(new EncodedVideo(item.Video, Path.Combine(request.OutputDirectory, request.Files[item.Video]), shape, item.FramesRead));
                        written++;
                        if (item.Padded) padded++;
                        observer.Finished(item.Video, null);
                    }
                    Release(batch);
                }
                producer.GetAwaiter().GetResult();
            }
            finally
            {
                Release(batch);
                stop.Cancel();
                try { producer.Wait(); } catch (AggregateException) { }
                while (channel.Reader.TryRead(out var left)) left.Input?.Dispose();
            }
            var order = request.Videos.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);
            return new EncodingResult(encoded.OrderBy(e => order[e.Video]).ToList(), failures.OrderBy(f => order[f.Video]).ToList(), written, kept, padded);
        }

        private static void Release(List<Prepared> batch)
        {
            foreach (var p in batch) p.Input?.Dispose();
            batch.Clear();
        }

        /// <summary>Decodes and samples one video on a worker thread; a bad video becomes a failure, not an
        /// exception.</summary>
        private static Prepared Prepare(VideoItem video, EncodingRequest request)
        {
            try
            {
                var decoded = VideoDecoder.Decode(video.Path, request.Sampling.StrideFor(video.Path, request.Seed, request.Pass));
                if (decoded.Frames == 0) return new Prepared(video, null, decoded.Read, false, $"{video.Path} ({video.Origin}): no frame could be read");
                if (decoded.Frames < request.MinFrames)
                    return new Prepared(video, null, decoded.Read, false, $"{video.Path} ({video.Origin}): too short: {decoded.Frames} frames after the stride, at least {request.MinFrames} wanted");
                var input = FrameSampler.Sample(decoded, request.Sampling.Frames, request.Sampling.Resize, request.Sampling.Mean, request.Sampling.Std,
                    request.Sampling.AugmentationFor(video.Path, request.Seed, request.Pass));
                return new Prepared(video, input, decoded.Read, decoded.Frames < request.Sampling.Frames, null);
            }
            catch (VideoException e)
            {
                var message = e.Message.StartsWith(video.Path, StringComparison.Ordinal) ? e.Message.Insert(video.Path.Length, $" ({video.Origin})") : $"{video.Path} ({video.Origin}): {e.Message}";
                return new Prepared(video, null, 0, false, message);
            }
            catch (OpenCvSharp.OpenCVException e)
            {
                return new Prepared(video, null, 0, false, $"{video.Path} ({video.Origin}): cannot be decoded ({e.Message.Split('\n')[0]})");
            }
        }

        private static IEnumerable<(Prepared Item, long[] Shape)> Encode(ITokenEncoder encoder, List<Prepared> batch, EncodingRequest request, Dictionary<string, string> metadata)
        {
            var results = new List<(Prepared, long[])>();
            using var scope = NewDisposeScope();
            var x = stack(batch.Select(p => p.Input!).ToArray()).to(encoder.Device);
            var y = request.Cut is { } cut ? ((ScriptedEncoder)encoder).Prefix(x, cut) : encoder.Tokens(x);
            var stored = y.to(request.Half ? ScalarType.Float16 : ScalarType.Float32).cpu();
            for (var i = 0; i < batch.Count; i++)
            {
                var file = Path.Combine(request.OutputDirectory, request.Files[batch[i].Video]);
                var one = stored[i];
                var meta = new Dictionary<string, string>(metadata)
                {
                    ["video"] = batch[i].Video.Path,
                    ["frames_read"] = batch[i].FramesRead.ToString(CultureInfo.InvariantCulture),
                };
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                Safetensors.Save(file, new[] { new KeyValuePair<string, Tensor>(Key, one) }, meta);
                results.Add((batch[i], one.shape));
            }
            return results;
        }

        /// <summary>What every file of this run records: the encoder, what was computed, and how frames were
        /// sampled.</summary>
        private static Dictionary<string, string> Metadata(ITokenEncoder encoder, EncodingRequest request)
        {
            var s = request.Sampling;
            var sampling = s.Describe() + (s.Deterministic ? "" : string.Create(CultureInfo.InvariantCulture, $" seed={request.Seed} pass={request.Pass}"));
            return new Dictionary<string, string>
            {
                ["encoder"] = encoder.Digest,
                ["output"] = request.Cut is { } c ? $"prefix blocks={c.Blocks} grid={c.T}x{c.H}x{c.W}" : "tokens",
                ["sampling"] = sampling,
            };
        }

        /// <summary>
        /// The shape of a file an earlier run wrote for this video, or null when it must be redone (damaged: a copy
        /// cut short). A whole file made another way (another encoder, output or sampling) is an error: it is never
        /// overwritten.
        /// </summary>
        private static long[]? Existing(string file, VideoItem video, Dictionary<string, string> metadata, bool half, IEncodingObserver observer)
        {
            SafetensorsHeader header;
            try { header = Safetensors.ReadHeader(file); }
            catch (SafetensorsException e)
            {
                observer.Note($"{file}: damaged ({e.Message}); encoding {video.Path} again");
                return null;
            }
            var entry = header.Entries.FirstOrDefault(e => e.Key == Key);
            var expected = new Dictionary<string, string>(metadata) { ["video"] = video.Path };
            var different = expected.Where(kv => header.Metadata.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => kv.Key).ToList();
            if (entry is null || entry.DType != (half ? "F16" : "F32") || different.Count > 0)
            {
                var what = different.Count > 0
                    ? string.Join("; ", different.Select(k => $"{k} '{header.Metadata.GetValueOrDefault(k) ?? "(none)"}' there, '{expected[k]}' now"))
                    : entry is null ? "no 'embedding' tensor" : $"dtype {entry.DType}";
                throw new DeepCoroUserException($"{file}: written by another run ({what}); it is left as it is: choose another output folder, or delete the file to redo it");
            }
            return entry.Shape;
        }

        /// <summary>
        /// Deletes the temporaries a killed run left for this run's files (AtomicFile names them .NAME.XXXXXXXX.tmp);
        /// only this run's: shards writing into the same folder at the same time own disjoint files.
        /// </summary>
        private static void RemoveTemporaries(EncodingRequest request)
        {
            var mine = request.Videos.Select(v => Path.GetFullPath(Path.Combine(request.OutputDirectory, request.Files[v])))
                .GroupBy(f => Path.GetDirectoryName(f)!);
            foreach (var folder in mine)
            {
                if (!Directory.Exists(folder.Key)) continue;
                var names = folder.Select(f => "." + Path.GetFileName(f) + ".").ToHashSet();
                foreach (var tmp in Directory.EnumerateFiles(folder.Key, ".*.tmp"))
                {
                    var name = Path.GetFileName(tmp);
                    var dot = name.IndexOf(EmbeddingNames.Extension + ".", StringComparison.Ordinal);
                    if (dot > 0 && names.Contains(name[..(dot + EmbeddingNames.Extension.Length + 1)])) File.Delete(tmp);
                }
            }
        }
    }
}
