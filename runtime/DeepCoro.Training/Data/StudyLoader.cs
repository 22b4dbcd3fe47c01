using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// Streams batches from disk: a background task reads the files of upcoming batches (in parallel within a
    /// batch) into a bounded queue, so memory stays at about (prefetch + 2) batches whatever the dataset size.
    /// </summary>
    public sealed class StudyLoader
    {
        private readonly Geometry geometry;
        private readonly DataOptions options;
        private readonly int heads;
        private readonly long? viewPadding;

        /// <param name="viewPadding">the padding view id (V) when the model has a view embedding, else null.</param>
        public StudyLoader(Geometry geometry, DataOptions options, int heads, long? viewPadding)
        {
            this.geometry = geometry;
            this.options = options;
            this.heads = heads;
            this.viewPadding = viewPadding;
        }

        /// <summary>Yields the planned batches in order; a read error
        /// surfaces in the consumer as the reader's exception.</summary>
        public IEnumerable<StudyBatch> Stream(IReadOnlyList<Pick[]> plan, CancellationToken cancel = default)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            using var queue = new BlockingCollection<StudyBatch>(Math.Max(1, options.Prefetch));
            var producer = Task.Run(() =>
            {
                try
                {
                    foreach (var picks in plan)
                    {
                        if (stop.IsCancellationRequested) break;
                        queue.Add(Build(picks), stop.Token);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
                finally { queue.CompleteAdding(); }
            });
            try
            {
                foreach (var batch in queue.GetConsumingEnumerable(cancel)) yield return batch;
                producer.GetAwaiter().GetResult();   // rethrows the reader's error, if any
            }
            finally
            {
                stop.Cancel();
                try { producer.Wait(); } catch (AggregateException) { }
            }
        }

        /// <summary>Reads one batch: N = the largest video count in it;
        /// shorter studies are padded and masked.</summary>
        public StudyBatch Build(Pick[] picks)
        {
            int b = picks.Length, n = Math.Max(1, picks.Max(p => p.Videos.Length));
            var video = geometry.VideoSize;
            // pooled, and files are read straight into it: the reader thread allocates almost nothing, so it
            // rarely triggers a garbage collection while the training thread is inside a native torch call
            // (TorchSharp 0.107 lets temporary Scalars be finalized during such calls).
            var dtype = options.TokenDtype;
            var half = dtype != TokenDtype.Float32;
            var x = half ? Array.Empty<float>() : System.Buffers.ArrayPool<float>.Shared.Rent((int)(b * n * video));
            // 16-bit tokens go straight into torch's memory, which the model then reads in place
            var x16 = half ? TokenBits.Tensor(b * n * video, dtype) : null;
            // only the padding slots are zeroed: files overwrite the rest, and clearing all of a 50 MB buffer
            // took CPU from the training step on a 2-core machine
            for (var i = 0; i < b; i++)
            {
                int start = (int)((i * n + picks[i].Videos.Length) * video), length = (int)((n - picks[i].Videos.Length) * video);
                if (half) TokenBits.Of(x16!).Slice(start, length).Clear();
                else Array.Clear(x, start, length);
            }
            var mask = new bool[b * n];
            var ids = viewPadding is { } pad ? Enumerable.Repeat(pad, b * n).ToArray() : null;
            var labels = new double[b * heads];
            var work = new List<(int Row, Pick Pick)>();
            for (var i = 0; i < b; i++)
            {
                Array.Copy(picks[i].Study.Labels, 0, labels, i * heads, heads);
                work.Add((i, picks[i]));
            }
            try
            {
                Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.ReadThreads) }, item =>
                {
                    var (row, pick) = item;
                    var study = pick.Study;
                    if (ids != null)
                    {
                        for (var j = 0; j < pick.Videos.Length; j++)
                            ids[row * n + j] = study.Videos[geometry.Layout == FileLayout.Video ? pick.Videos[j] : 0].ViewId;
                    }

                    if (geometry.Layout == FileLayout.Study)
                    {
                        var file = study.Videos[0];
                        var array = EmbeddingArray.Load(file.Path);
                        if (geometry.Check(file, array.Shape, true) < study.VideoCount)
                            throw new DataException($"{file.Path}: holds {array.Shape[0]} videos now, {study.VideoCount} when the run started");
                        for (var j = 0; j < pick.Videos.Length; j++)
                        {
                            if (half)
                            {
                                EmbeddingArray.Narrow(file.Path, array.Data.AsSpan((int)(pick.Videos[j] * video), (int)video),
                                    TokenBits.Of(x16!).Slice((int)((row * n + j) * video), (int)video), array.Shape, dtype);
                            }
                            else
                            {
                                Array.Copy(array.Data, pick.Videos[j] * video, x, (row * n + j) * video, video);
                            }

                            mask[row * n + j] = true;
                        }
                    }
                    else
                    {
                        for (var j = 0; j < pick.Videos.Length; j++)
                        {
                            var file = study.Videos[pick.Videos[j]];
                            var offset = (row * n + j) * video;
                            if (half) EmbeddingArray.LoadInto16(file.Path, shape => { geometry.Check(file, shape, false); return (offset, video); }, x16!, dtype);
                            else EmbeddingArray.LoadInto(file.Path, shape => { geometry.Check(file, shape, false); return (offset, video); }, x);
                            mask[row * n + j] = true;
                        }
                    }
                });
            }
            catch (Exception e)
            {
                if (half) x16!.Dispose();
                else System.Buffers.ArrayPool<float>.Shared.Return(x);
                // one reader's error, as itself (DataException names the file), not wrapped by Parallel
                if (e is AggregateException a) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(a.InnerExceptions[0]);
                throw;
            }
            var shape = geometry.HasTokens ? new long[] { b, n, geometry.Tokens, geometry.Dim } : new long[] { b, n, geometry.Dim };
            return new StudyBatch(picks.Select(p => p.Study).ToArray(), x, shape, mask, ids, labels, heads) { Dtype = dtype, X16 = x16 };
        }
    }
}
