using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Evaluation;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// What a pass over a split produced: every study's scores per head, its labels, and per head the sum and
    /// count of per-sample losses over labelled samples. Metrics and the predictions CSV are derived from it.
    /// </summary>
    public sealed class SplitResults
    {
        private readonly IReadOnlyList<HeadSpec> heads;
        private readonly LossOptions lossOptions;
        private readonly List<(Study Study, int Videos, double[][] Scores)> rows = new();
        private readonly double[] lossSum, lossCount;

        public SplitResults(IReadOnlyList<HeadSpec> heads, LossOptions lossOptions)
        {
            this.heads = heads;
            this.lossOptions = lossOptions;
            lossSum = new double[heads.Count];
            lossCount = new double[heads.Count];
            BatchesWithoutEvents = new int[heads.Count];
        }

        /// <summary>Per head, the batches measured whose labelled samples of a survival head had no event: their Cox
        /// loss is 0 with a zero gradient (docs/survival.md).</summary>
        public int[] BatchesWithoutEvents { get; }

        /// <summary>Per head, a survival head's horizons (<see cref="SurvivalSamples.Horizons"/> of the training
        /// split), so that every split reports the same td_auc_&lt;t&gt;; null takes each split's own.</summary>
        public IReadOnlyList<double[]?>? SurvivalHorizons { get; init; }

        /// <summary>The survival horizons of <paramref name="heads"/> from the training studies (null for other
        /// heads; all null without training studies).</summary>
        public static double[]?[] HorizonsOf(IReadOnlyList<HeadSpec> heads, IReadOnlyList<Study> training) =>
            heads.Select((head, h) =>
            {
                if (head.Task != TaskKind.Survival || training.Count == 0) return null;
                var labelled = training.Where(s => !double.IsNaN(s.Labels[h])).ToArray();
                return SurvivalSamples.Horizons(head, labelled.Select(s => s.Labels[h]).ToArray(), labelled.Select(s => Event(s, h)).ToArray());
            }).ToArray();

        /// <summary>A study's event indicator for survival head <paramref name="h"/> (NaN when it has none).</summary>
        private static double Event(Study study, int h) => h < study.Events.Length ? study.Events[h] : double.NaN;

        public int Count => rows.Count;

        /// <summary>Every study of the pass in order: the study, how many of its videos the pass used (its first ones
        /// in evaluation), and per head its scores (regression value, P(positive), or class probabilities).</summary>
        public IReadOnlyList<(Study Study, int Videos, double[][] Scores)> Rows => rows;

        /// <summary>
        /// The weighted training loss of one batch (sum over heads of weight x mean loss over the samples
        /// labelled for that head), recording scores and losses. A head with no label in the batch adds nothing.
        /// </summary>
        public Tensor Add(StudyBatch batch, IReadOnlyDictionary<string, Tensor> outputs)
        {
            var measured = Measure(batch, outputs);
            Record(measured);
            return measured.Total;
        }

        /// <summary>
        /// The batch's scores and losses, not yet recorded: training records a batch only once its loss is known
        /// to be finite (a batch it skips must not reach the epoch's metrics).
        /// </summary>
        public MeasuredBatch Measure(StudyBatch batch, IReadOnlyDictionary<string, Tensor> outputs)
        {
            var total = zeros(1, device: outputs.Values.First().device);
            var scores = new double[batch.Size][][];
            var sums = new double[heads.Count];
            var counts = new double[heads.Count];
            for (var i = 0; i < batch.Size; i++) scores[i] = new double[heads.Count][];
            for (var h = 0; h < heads.Count; h++)
            {
                var head = heads[h];
                var logits = outputs[head.Name];
                var s = Losses.Scores(head, logits.detach()).to(ScalarType.Float64).cpu();
                var flat = s.data<double>().ToArray();
                var width = s.dim() == 1 ? 1 : (int)s.shape[1];
                for (var i = 0; i < batch.Size; i++) scores[i][h] = flat.AsSpan(i * width, width).ToArray();
                var labelled = Enumerable.Range(0, batch.Size).Where(i => !double.IsNaN(batch.Labels[i * batch.Heads + h])).ToArray();
                if (labelled.Length == 0) continue;
                var index = tensor(labelled.Select(i => (long)i).ToArray(), device: logits.device);
                Tensor perSample;
                if (head.Task == TaskKind.Survival)
                {
                    var happened = labelled.Select(i => Event(batch.Studies[i], h) == 1).ToArray();
                    if (!happened.Contains(true)) BatchesWithoutEvents[h]++;
                    perSample = SurvivalLosses.PerSample(head, logits.index_select(0, index), labelled.Select(i => batch.Labels[i * batch.Heads + h]).ToArray(), happened,
                        lossOptions);
                }
                else
                {
                    var target = tensor(labelled.Select(i => (float)batch.Labels[i * batch.Heads + h]).ToArray(), device: logits.device);
                    perSample = Losses.PerSample(head, logits.index_select(0, index), target, lossOptions);
                }
                sums[h] = perSample.detach().sum().item<float>();
                counts[h] = labelled.Length;
                // a Scalar kept alive through its call (an implicit
                // temporary can be finalized mid-call in TorchSharp 0.107)
                using var weight = head.Weight.ToScalar();
                total = total + Losses.Reduce(head, perSample).mul(weight);
            }
            var videos = Enumerable.Range(0, batch.Size).Select(i => batch.Mask.Skip(i * (int)batch.Shape[1]).Take((int)batch.Shape[1]).Count(m => m)).ToArray();
            return new MeasuredBatch(batch.Studies, videos, scores, sums, counts, total);
        }

        /// <summary>Adds a measured batch's scores and losses to the split's.</summary>
        public void Record(MeasuredBatch measured)
        {
            for (var h = 0; h < heads.Count; h++) { lossSum[h] += measured.LossSums[h]; lossCount[h] += measured.LossCounts[h]; }
            for (var i = 0; i < measured.Studies.Length; i++) rows.Add((measured.Studies[i], measured.Videos[i], measured.Scores[i]));
        }

        /// <summary>The mean loss of a head over its labelled samples
        /// (root of the mean for rmse); NaN without labels.</summary>
        public double HeadLoss(int h) => lossCount[h] == 0 ? double.NaN
            : heads[h].Loss == LossKind.Rmse ? Math.Sqrt(lossSum[h] / lossCount[h]) : lossSum[h] / lossCount[h];

        /// <summary>The labelled samples of head <paramref name="h"/>, or null when none is labelled.</summary>
        public HeadSamples? Samples(int h)
        {
            var labelled = rows.Where(r => !double.IsNaN(r.Study.Labels[h])).ToList();
            return labelled.Count == 0 ? null
                : HeadSamples.For(heads[h], labelled.Select(r => r.Scores[h]).ToArray(), labelled.Select(r => r.Study.Labels[h]).ToArray(),
                    labelled.Select(r => Event(r.Study, h)).ToArray(), SurvivalHorizons?[h]);
        }

        /// <summary>The scores and labels of head <paramref name="h"/>'s
        /// labelled studies, or null when none is labelled.</summary>
        public (double[][] Scores, double[] Labels)? Labelled(int h)
        {
            var labelled = rows.Where(r => !double.IsNaN(r.Study.Labels[h])).ToList();
            return labelled.Count == 0 ? null : (labelled.Select(r => r.Scores[h]).ToArray(), labelled.Select(r => r.Study.Labels[h]).ToArray());
        }

        /// <summary>Survival head <paramref name="h"/>'s labelled studies as a baseline hazard is fitted on them:
        /// times, events, risks and the head's horizons (<see cref="SurvivalHorizons"/>, else this split's own);
        /// null when none is labelled.</summary>
        public (double[] Time, bool[] Event, double[] Risk, double[] Horizons)? SurvivalLabelled(int h)
        {
            var labelled = rows.Where(r => !double.IsNaN(r.Study.Labels[h])).ToList();
            if (labelled.Count == 0) return null;
            var time = labelled.Select(r => r.Study.Labels[h]).ToArray();
            var events = labelled.Select(r => Event(r.Study, h)).ToArray();
            return (time, events.Select(e => e == 1).ToArray(), labelled.Select(r => r.Scores[h][0]).ToArray(),
                SurvivalHorizons?[h] ?? SurvivalSamples.Horizons(heads[h], time, events));
        }

        /// <summary>
        /// A copy whose scores are recalibrated (losses kept: they are the model's, from its logits); this when
        /// <paramref name="recalibration"/> has nothing to apply.
        /// </summary>
        public SplitResults Recalibrated(Recalibration recalibration)
        {
            if (recalibration.IsEmpty) return this;
            var copy = new SplitResults(heads, lossOptions) { SurvivalHorizons = SurvivalHorizons };
            Array.Copy(lossSum, copy.lossSum, lossSum.Length);
            Array.Copy(lossCount, copy.lossCount, lossCount.Length);
            foreach (var (study, videos, scores) in rows)
                copy.rows.Add((study, videos, scores.Select((s, h) => recalibration.Apply(heads[h].Name, s)).ToArray()));
            return copy;
        }

        /// <summary>
        /// A copy in which every Cox head with a baseline (<paramref name="baseline"/>) is evaluated at the baseline's
        /// horizons and scores, after its risk, its survival S(h | r) = exp(-H0(h) exp(r)) at each of them (the
        /// predictions files' <c>head_surv_h</c>, the integrated Brier score); this when there is none.
        /// </summary>
        public SplitResults WithBaseline(BaselineHazards baseline)
        {
            if (baseline.IsEmpty) return this;
            var horizons = heads.Select((head, h) => baseline.For(head.Name)?.Horizons ?? SurvivalHorizons?[h]).ToArray();
            var copy = new SplitResults(heads, lossOptions) { SurvivalHorizons = horizons };
            Array.Copy(lossSum, copy.lossSum, lossSum.Length);
            Array.Copy(lossCount, copy.lossCount, lossCount.Length);
            foreach (var (study, videos, scores) in rows)
            {
                copy.rows.Add((study, videos, scores.Select((s, h) => baseline.For(heads[h].Name) is { } b
                    ? b.Horizons.Select(t => b.Survival(t, s[0])).Prepend(s[0]).ToArray()
                    : s).ToArray()));
            }

            return copy;
        }

        /// <summary>The times of a survival head's <c>head_surv_t</c> columns: a discrete head's interval bounds, a
        /// Cox head's horizons once a baseline gave it survival (<see cref="WithBaseline"/>), else none.</summary>
        private IReadOnlyList<double> SurvivalTimes(int h) =>
            heads[h].Intervals is { Count: > 0 } bounds ? bounds
            : rows.Count > 0 && rows[0].Scores[h].Length > 1 && SurvivalHorizons?[h] is { } horizons ? horizons
            : Array.Empty<double>();

        /// <summary>
        /// The calibration metrics of the scores as the model gave them, before <paramref name="recalibration"/>, as
        /// <c>prefix/head_uncalibrated_metric</c> for every head it recalibrates (with intervals).
        /// </summary>
        public void AddUncalibrated(string prefix, Recalibration recalibration, IntervalOptions options, int seed,
            IDictionary<string, double> metrics, IDictionary<string, MetricInterval> intervals)
        {
            for (var h = 0; h < heads.Count; h++)
            {
                if (recalibration.MethodOf(heads[h].Name) is null || Labelled(h) is not { } labelled) continue;
                LockedEvaluation.AddCalibration(heads[h], h, labelled.Scores, labelled.Labels, heads[h].Name + "_uncalibrated", prefix, options, seed, metrics, intervals);
            }
        }

        /// <summary>
        /// The split's final metrics under the run's locked thresholds (<see cref="LockedEvaluation"/>) with their
        /// intervals: per head its loss and metrics, then main_loss.
        /// </summary>
        public (OrderedDictionary<string, double> Metrics, OrderedDictionary<string, MetricInterval> Intervals) LockedMetrics(string prefix,
            LockedThresholds thresholds, ThresholdOptions names, Func<HeadSpec, string[]> classNames, IntervalOptions options, int seed)
        {
            var plain = Metrics(prefix);
            var metrics = new OrderedDictionary<string, double>();
            var intervals = new OrderedDictionary<string, MetricInterval>();
            for (var h = 0; h < heads.Count; h++)
            {
                metrics[$"{prefix}/{heads[h].Name}_loss"] = plain[$"{prefix}/{heads[h].Name}_loss"];
                if (Labelled(h) is not { } labelled) continue;
                LockedEvaluation.AddHead(heads[h], h, labelled.Scores, labelled.Labels, thresholds, names, classNames, prefix, options, seed, metrics, intervals,
                    heads[h].Task == TaskKind.Survival ? Samples(h) : null);
            }
            metrics[$"{prefix}/main_loss"] = plain[$"{prefix}/main_loss"];
            return (metrics, intervals);
        }

        /// <summary>Keys `prefix/head_metric`, `prefix/head_loss` and `prefix/main_loss` (weighted sum of head
        /// losses with labels; NaN when no head has one).</summary>
        public OrderedDictionary<string, double> Metrics(string prefix)
        {
            var m = new OrderedDictionary<string, double>();
            double main = 0;
            for (var h = 0; h < heads.Count; h++)
            {
                var head = heads[h];
                var loss = HeadLoss(h);
                if (!double.IsNaN(loss)) main += head.Weight * loss;
                m[$"{prefix}/{head.Name}_loss"] = loss;
                if (Samples(h) is not { } samples) continue;
                foreach (var (k, v) in samples.Evaluate())
                {
                    m[$"{prefix}/{head.Name}_{k}"] = v;
                    if (Training.Metrics.ReferenceNames.TryGetValue(k, out var alias)) m[$"{prefix}/{head.Name}_{alias}"] = v;
                }
            }
            // a split without any label has no loss: NaN, so that no epoch is chosen by it
            m[$"{prefix}/main_loss"] = Enumerable.Range(0, heads.Count).All(h => lossCount[h] == 0) ? double.NaN : main;
            return m;
        }

        /// <summary>
        /// Bootstrap intervals of every task metric of <see cref="Metrics(string)"/> (losses have none: per-sample
        /// losses are not kept), keyed alike; empty when the options ask for none.
        /// </summary>
        public OrderedDictionary<string, MetricInterval> Intervals(string prefix, IntervalOptions options, int seed)
        {
            var intervals = new OrderedDictionary<string, MetricInterval>();
            if (!options.Enabled) return intervals;
            for (var h = 0; h < heads.Count; h++)
            {
                if (Samples(h) is not { } samples) continue;
                var bounds = Bootstrap.Intervals(samples, options, seed, h);
                for (var k = 0; k < bounds.Length; k++)
                {
                    intervals[$"{prefix}/{heads[h].Name}_{samples.Names[k]}"] = bounds[k];
                    if (Training.Metrics.ReferenceNames.TryGetValue(samples.Names[k], out var alias)) intervals[$"{prefix}/{heads[h].Name}_{alias}"] = bounds[k];
                }
            }
            return intervals;
        }

        /// <summary>Writes one row per study: id, split, videos used,
        /// then per head its label and prediction columns.</summary>
        public void WritePredictions(string path)
        {
            var sb = new StringBuilder("study_id,split,videos");
            for (var h = 0; h < heads.Count; h++)
            {
                var head = heads[h];
                if (head.Task == TaskKind.Survival)
                {
                    // time and event, the risk, then the survival at each interval bound or horizon
                    sb.Append(',').Append(head.Name).Append("_time,").Append(head.Name).Append("_event,").Append(head.Name).Append("_risk");
                    foreach (var bound in SurvivalTimes(h))
                        sb.Append(',').Append(head.Name).Append("_surv_").Append(bound.ToString("R", CultureInfo.InvariantCulture));
                    continue;
                }
                sb.Append(',').Append(head.Name);
                if (head.Task == TaskKind.Regression)
                {
                    sb.Append(',').Append(head.Name).Append("_pred");
                }
                else if (head.Task == TaskKind.Binary)
                {
                    sb.Append(',').Append(head.Name).Append("_prob");
                }
                else
                {
                    for (var k = 0; k < head.Outputs; k++) sb.Append(',').Append(head.Name).Append("_prob_").Append(k);
                    sb.Append(',').Append(head.Name).Append("_pred");
                }
            }
            sb.Append('\n');
            string F(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
            foreach (var (study, videos, scores) in rows)
            {
                sb.Append(Quote(study.Id)).Append(',').Append(Quote(study.Split)).Append(',').Append(videos);
                for (var h = 0; h < heads.Count; h++)
                {
                    sb.Append(',').Append(F(study.Labels[h]));
                    if (heads[h].Task == TaskKind.Survival) sb.Append(',').Append(F(Event(study, h)));
                    foreach (var v in scores[h]) sb.Append(',').Append(F(v));
                    if (heads[h].Task == TaskKind.Multiclass) sb.Append(',').Append(Array.IndexOf(scores[h], scores[h].Max()));
                }
                sb.Append('\n');
            }
            IO.AtomicFile.WriteText(path, sb.ToString());
        }

        private static string Quote(string s) => s.IndexOfAny(new[] { ',', '"', '\n' }) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }
}
