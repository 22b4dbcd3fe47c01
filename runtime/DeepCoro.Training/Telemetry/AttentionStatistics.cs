using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// Per cls level and attention head, over the rows of a pass (the validation set): the entropy of the cls
    /// query's attention normalised by the log of its valid positions (1 = uniform, 0 = all on one), the effective
    /// number of attended positions exp(entropy), the largest weight and the share on the cls token itself; and a
    /// histogram of log10 of the weights from the pass's first batches, until it was offered 2^17 positions (below
    /// 1e-6 counted in the lowest bucket; its extremes, sum and sum of squares come from the buckets' edges and
    /// centres). The weights are the ones the running kernel computed (its
    /// <see cref="Blocks.ClsTokenPool.AttentionSink"/>); rows of padded videos and rows with no valid instance are
    /// left out. Sums stay on the device until an epoch's figures are read.
    /// </summary>
    public sealed class AttentionStatistics : IDisposable
    {
        private const int Buckets = 60;

        /// <summary>Weights a level's histogram takes per pass: enough for its shape,
        /// and later batches skip its cost.</summary>
        private const long HistogramSample = 1 << 17;
        private const long LowestLog = -6;

        private readonly IReadOnlyList<ClsLevel> levels;
        private readonly TelemetryClock clock;
        private readonly Tensor[] stats;      // per level [4, h]: normalised entropy, effective count, max, cls share
        private readonly Tensor[] rows;       // per level [1]
        private readonly Tensor[] buckets;    // per level [Buckets]
        private readonly long[] sampled;      // per level: positions offered to the histogram this pass
        // Scalars kept alive with the statistics (an implicit temporary can be finalized mid-call in TorchSharp 0.107)
        private readonly Scalar floor = 1e-30.ToScalar();
        private readonly Scalar toLog10 = (1 / Math.Log(10)).ToScalar();
        private readonly Scalar lowest = ((double)LowestLog).ToScalar();
        private readonly Scalar aboveRange = 1.0.ToScalar();
        private Tensor? mask;

        public AttentionStatistics(MilModel model, TelemetryClock clock)
        {
            levels = model.ClsLevels;
            this.clock = clock;
            var device = model.parameters().First().device;
            stats = levels.Select(l => zeros(4, l.Pool.Heads, device: device)).ToArray();
            rows = levels.Select(_ => zeros(1, device: device)).ToArray();
            buckets = levels.Select(_ => zeros(Buckets, device: device)).ToArray();
            sampled = new long[levels.Count];
        }

        /// <summary>Feeds the statistics from every cls level until disposed.</summary>
        public IDisposable Recording()
        {
            for (var i = 0; i < levels.Count; i++)
            {
                var index = i;
                levels[i].Pool.AttentionSink = (a, valid) => Record(index, a, valid);
            }
            return new Detach(levels);
        }

        /// <summary>The next forward's input: its video mask tells
        /// which rows of a level within videos are padding.</summary>
        public void Watch(ModelInput input) => mask = input.Mask;

        private void Record(int level, Tensor a, Tensor? valid)
        {
            using var span = clock.Measure();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            long m = a.shape[0], s = a.shape[2];
            var keys = valid is null
                ? ones(m, s, ScalarType.Bool, a.device)
                : cat(new[] { ones(m, 1, ScalarType.Bool, a.device), valid }, 1);
            var used = valid is null ? RowsOfValidVideos(m, a.device) : valid.any(1);
            // one log serves the entropy and the histogram; a masked weight is 0, and 0 x log(floor) adds 0
            var logs = a.clamp_min(floor).log();                                               // [m, h, S]
            var entropy = a.mul(logs).sum(2).neg();                                            // [m, h]
            var normalised = entropy / keys.sum(1, type: ScalarType.Float32).log().unsqueeze(1);
            var perRow = stack(new[] { normalised, entropy.exp(), a.amax(new long[] { 2 }), a.select(2, 0) }, 0);   // [4, m, h]
            // where, not a product: a row with only the cls position has 0 / log 1 = NaN, and NaN x 0 is NaN
            stats[level].add_(where(used.view(1, m, 1), perRow, zeros_like(perRow)).sum(1));
            rows[level].add_(used.sum().to(ScalarType.Float32));
            if (sampled[level] >= HistogramSample) return;
            sampled[level] += a.numel();
            // the histogram's weights: valid positions of used rows;
            // the others go above its range, where histc drops them
            var counted = keys.logical_and(used.unsqueeze(1)).unsqueeze(1);                   // [m, 1, S]
            var log10 = logs.mul(toLog10).clamp_min(lowest);
            buckets[level].add_(log10.masked_fill(counted.logical_not(), aboveRange).histc(Buckets, LowestLog, 0));
        }

        /// <summary>Rows of a level within videos come as [B, N, ...] flattened:
        /// each video's rows share its mask entry.</summary>
        private Tensor RowsOfValidVideos(long m, Device device)
        {
            if (mask is null || m % mask.numel() != 0) return ones(m, ScalarType.Bool, device);
            return mask.reshape(-1).repeat_interleave(m / mask.numel());
        }

        /// <summary>The figures since the last call, as `attention/LEVEL/hK/STAT`
        /// and the mean over heads `attention/LEVEL/STAT`.</summary>
        public OrderedDictionary<string, double> Scalars()
        {
            var scalars = new OrderedDictionary<string, double>();
            var names = new[] { "entropy", "effective", "max_weight", "cls_share" };
            for (var l = 0; l < levels.Count; l++)
            {
                double count = rows[l].item<float>();
                using var sums = stats[l].to(ScalarType.Float64).cpu();
                var values = sums.data<double>().ToArray();
                var heads = (int)stats[l].shape[1];
                for (var k = 0; k < names.Length; k++)
                {
                    double sum = 0;
                    for (var h = 0; h < heads; h++)
                    {
                        var v = count > 0 ? values[k * heads + h] / count : double.NaN;
                        scalars[$"attention/{levels[l].Name}/h{h}/{names[k]}"] = v;
                        sum += v;
                    }
                    scalars[$"attention/{levels[l].Name}/{names[k]}"] = sum / heads;
                }
            }
            return scalars;
        }

        /// <summary>Per level the histogram of log10 of the attention weights since the last call.</summary>
        public IEnumerable<(string Tag, Histogram Histogram)> Histograms()
        {
            for (var l = 0; l < levels.Count; l++)
            {
                using var countsTensor = buckets[l].to(ScalarType.Float64).cpu();
                var counts = countsTensor.data<double>().ToArray();
                if (counts.Sum() == 0) continue;
                int first = Array.FindIndex(counts, c => c > 0), last = Array.FindLastIndex(counts, c => c > 0);
                var width = -LowestLog / (double)Buckets;
                var limits = Enumerable.Range(1, Buckets).Select(i => LowestLog + i * width).ToArray();
                var centres = limits.Select(u => u - width / 2).ToArray();
                yield return ($"attention/{levels[l].Name}/log10_weight",
                    new Histogram(LowestLog + first * width, LowestLog + (last + 1) * width, counts.Sum(),
                        counts.Zip(centres, (c, x) => c * x).Sum(), counts.Zip(centres, (c, x) => c * x * x).Sum(), limits, counts));
            }
        }

        /// <summary>Starts a new pass.</summary>
        public void Reset()
        {
            foreach (var t in stats.Concat(rows).Concat(buckets)) t.zero_();
            Array.Clear(sampled);
        }

        public void Dispose()
        {
            foreach (var t in stats.Concat(rows).Concat(buckets)) t.Dispose();
            foreach (var scalar in new[] { floor, toLog10, lowest, aboveRange }) scalar.Dispose();
        }

        private sealed class Detach : IDisposable
        {
            private readonly IReadOnlyList<ClsLevel> levels;

            public Detach(IReadOnlyList<ClsLevel> levels) { this.levels = levels; }

            public void Dispose()
            {
                foreach (var l in levels) l.Pool.AttentionSink = null;
            }
        }
    }
}
