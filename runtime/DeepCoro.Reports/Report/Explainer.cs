using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Training;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// The attention of chosen studies, read from the cls levels' <see cref="Blocks.ClsTokenPool.AttentionSink"/>
    /// while the model evaluates the batches of the split that hold them (the batches evaluation builds, padding
    /// included), so the weights are the ones the running kernel computes for that study in evaluation.
    /// </summary>
    public static class Explainer
    {
        public static IReadOnlyList<StudyAttention> Explain(MilModel model, Dataset data, IReadOnlyList<Study> split, IReadOnlyCollection<Study> wanted, Device device)
        {
            if (model.ClsLevels.Count == 0)
                throw new DeepCoroUserException($"model '{model.Spec.Name}' has no cls_token level: there is no attention to explain");
            var found = new Dictionary<Study, StudyAttention>();
            model.eval();
            foreach (var picks in BatchPlan.Make(split, data.Options, false, 0, 0).Where(p => p.Any(x => wanted.Contains(x.Study))))
            {
                var batch = data.Loader.Build(picks);
                try
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    var captured = new List<(ClsLevel Level, float[] Weights, long[] Shape)>();
                    foreach (var level in model.ClsLevels)
                    {
                        var l = level;
                        l.Pool.AttentionSink = (a, _) => captured.Add((l, a.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray(), a.shape));
                    }
                    OrderedDictionary<string, Tensor> outputs;
                    try { outputs = model.forward(Trainer.Inputs(batch, device)); }
                    finally { foreach (var level in model.ClsLevels) level.Pool.AttentionSink = null; }
                    var scores = model.Spec.Heads.Select(h => Rows(Losses.Scores(h, outputs[h.Name]))).ToArray();
                    int b = batch.Size, n = (int)batch.Shape[1];
                    for (var i = 0; i < b; i++)
                    {
                        if (!wanted.Contains(batch.Studies[i])) continue;
                        var levels = captured.Select(c => Slice(c.Level, c.Weights, c.Shape, i, b, n, batch.Mask)).ToList();
                        found[batch.Studies[i]] = new StudyAttention(batch.Studies[i], picks[i].Videos.Length, levels, scores.Select(s => s[i]).ToArray());
                    }
                }
                finally { batch.Release(); }
            }
            return wanted.Where(found.ContainsKey).Select(s => found[s]).ToList();
        }

        /// <summary>Per sample its scores: [B] -> one value each, [B, K] -> K each.</summary>
        private static double[][] Rows(Tensor scores)
        {
            using var s = scores.to(ScalarType.Float64).cpu();
            var flat = s.data<double>().ToArray();
            var width = s.dim() == 1 ? 1 : (int)s.shape[1];
            return Enumerable.Range(0, (int)s.shape[0]).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
        }

        /// <summary>Study <paramref name="i"/>'s rows of a level's [m, h, S] weights:
        /// m = B x N (over tokens) or B (over videos).</summary>
        private static LevelAttention Slice(ClsLevel level, float[] weights, long[] shape, int i, int b, int n, bool[] mask)
        {
            int m = (int)shape[0], heads = (int)shape[1], positions = (int)shape[2];
            var perStudy = m == b * n ? n : m == b ? 1 : throw new InvalidOperationException($"cls level '{level.Name}' has {m} rows for a batch of {b} x {n}");
            var rows = new float[perStudy][][];
            var padding = new bool[perStudy];
            for (var r = 0; r < perStudy; r++)
            {
                var row = i * perStudy + r;
                rows[r] = Enumerable.Range(0, heads).Select(h => weights.AsSpan((row * heads + h) * positions, positions).ToArray()).ToArray();
                padding[r] = perStudy == n && !mask[i * n + r];
            }
            return new LevelAttention(level.Name, level.Over, rows, padding);
        }

        /// <summary>
        /// The labelled studies, largest error first (ties by id): per head |prediction - label| over the label
        /// spread of these studies (regression), |P - label| (binary) or 1 - P(label) (multiclass), averaged over
        /// the study's labelled heads.
        /// </summary>
        public static IReadOnlyList<(string Id, double Error)> ByError(IReadOnlyList<StudyScores> studies, IReadOnlyList<HeadSpec> heads)
        {
            var spread = heads.Select((h, k) =>
            {
                var y = studies.Select(r => r.Labels[k]).Where(v => !double.IsNaN(v)).ToArray();
                if (y.Length < 2) return 1.0;
                double mean = y.Average(), sd = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / (y.Length - 1));
                return sd > 0 ? sd : 1.0;
            }).ToArray();
            double Error(HeadSpec h, int k, double label, double[] score) => h.Task switch
            {
                TaskKind.Regression => Math.Abs(score[0] - label) / spread[k],
                TaskKind.Binary => Math.Abs(score[0] - label),
                // a censored time has no per-study error: survival heads do not rank studies here
                TaskKind.Survival => double.NaN,
                _ => 1 - score[(int)label],
            };
            return studies
                .Select(r => (r.Id, Errors: heads.Select((h, k) => double.IsNaN(r.Labels[k]) ? double.NaN : Error(h, k, r.Labels[k], r.Scores[k]))
                    .Where(e => !double.IsNaN(e)).ToList()))
                .Where(x => x.Errors.Count > 0)
                .Select(x => (x.Id, Error: x.Errors.Average()))
                .OrderByDescending(x => x.Error).ThenBy(x => x.Id, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>The studies of an evaluation pass as <see cref="StudyScores"/>.</summary>
        public static IReadOnlyList<StudyScores> Scores(SplitResults results) =>
            results.Rows.Select(r => new StudyScores(r.Study.Id, r.Study.Labels, r.Scores)).ToList();
    }
}
