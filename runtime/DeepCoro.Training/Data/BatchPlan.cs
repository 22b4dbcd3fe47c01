using System;
using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// Which studies, and which of their videos, go in each batch of a pass. Everything is a pure function of
    /// (seed, epoch), so a resumed run replays exactly the batches an uninterrupted one would see.
    /// </summary>
    public static class BatchPlan
    {
        public static List<Pick[]> Make(IReadOnlyList<Study> studies, DataOptions options, bool training, int seed, int epoch)
        {
            var order = Enumerable.Range(0, studies.Count).ToArray();
            if (training) new Random(Seeding.Mix(seed, epoch, -1)).Shuffle(order);
            var batches = new List<Pick[]>();
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var batch = order.Skip(start).Take(options.BatchSize)
                    .Select(i => new Pick(studies[i], Videos(studies[i], options, training, Seeding.Mix(seed, epoch, i)))).ToArray();
                batches.Add(batch);
            }
            return batches;
        }

        /// <summary>Up to num_videos videos: a random subset (kept in manifest order)
        /// in training, else the first ones.</summary>
        public static int[] Videos(Study study, DataOptions options, bool training, int seed)
        {
            int n = study.VideoCount, k = Math.Min(n, options.NumVideos);
            if (!training || !options.RandomVideosInTraining || k == n) return Enumerable.Range(0, k).ToArray();
            var all = Enumerable.Range(0, n).ToArray();
            new Random(seed).Shuffle(all);
            var chosen = all.Take(k).ToArray();
            Array.Sort(chosen);
            return chosen;
        }
    }
}
