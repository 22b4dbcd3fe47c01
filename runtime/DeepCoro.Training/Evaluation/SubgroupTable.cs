using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Report;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Per head and subgroup of one split: n, prevalence and the metrics with bootstrap intervals, binary heads at
    /// a threshold fixed beforehand (<see cref="ThresholdUsed"/>), never one chosen on the subgroup; survival heads
    /// Harrell's C-index (their studies' events from <see cref="StudyScores.Events"/>; left out without them). The
    /// library
    /// function behind <c>eval --subgroups</c> and <c>report --subgroups</c>, for any caller holding a split's
    /// scores and the studies' column values.
    /// </summary>
    public sealed record SubgroupTable(string Split, IReadOnlyList<SubgroupColumn> Columns, IReadOnlyDictionary<string, ThresholdUsed> Thresholds,
        double Level, int Resamples, IReadOnlyList<SubgroupRow> Rows)
    {
        /// <param name="values">per study id, its cells of <paramref name="columns"/> in their order (a study
        /// missing here falls in "missing").</param>
        /// <param name="thresholds">per binary head, the threshold its metrics use.</param>
        public static SubgroupTable Compute(string split, IReadOnlyList<HeadSpec> heads, IReadOnlyList<StudyScores> studies, IReadOnlyList<SubgroupColumn> columns,
            IReadOnlyDictionary<string, string[]> values, IReadOnlyDictionary<string, ThresholdUsed> thresholds, IntervalOptions options, int seed)
        {
            var groups = columns.Select((c, k) =>
                studies.Select(s => values.TryGetValue(s.Id, out var cells) ? c.GroupOf(cells[k], s.Id) : SubgroupColumn.Missing).ToArray()).ToArray();
            var rows = new List<SubgroupRow>();
            for (var h = 0; h < heads.Count; h++)
            {
                var head = heads[h];
                // a survival head's C-index needs its events: left out when the caller has none
                if (head.Task == TaskKind.Survival && studies.Any(s => s.Events is null || s.Events.Length <= h)) continue;
                var labelled = Enumerable.Range(0, studies.Count).Where(i => !double.IsNaN(studies[i].Labels[h])).ToArray();
                rows.Add(Row(head, h, "all", "all", labelled, studies, thresholds, options, seed, 0));
                for (var c = 0; c < columns.Count; c++)
                {
                    var present = labelled.Select(i => groups[c][i]).Distinct().ToList();
                    var order = columns[c].Edges is null
                        ? present.Where(g => g != SubgroupColumn.Missing).OrderBy(g => g, StringComparer.Ordinal).ToList()
                        : columns[c].Bins.ToList();
                    if (present.Contains(SubgroupColumn.Missing)) order.Add(SubgroupColumn.Missing);
                    foreach (var (group, g) in order.Select((g, k) => (g, k)))
                    {
                        rows.Add(Row(head, h, columns[c].Name, group, labelled.Where(i => groups[c][i] == group).ToArray(), studies, thresholds, options, seed,
                            Seeding.Mix(c + 1, g, h)));
                    }
                }
            }
            return new SubgroupTable(split, columns, thresholds, options.Level, options.Resamples, rows);
        }

        private static SubgroupRow Row(HeadSpec head, int h, string column, string group, int[] members, IReadOnlyList<StudyScores> studies,
            IReadOnlyDictionary<string, ThresholdUsed> thresholds, IntervalOptions options, int seed, int stream)
        {
            var labels = members.Select(i => studies[i].Labels[h]).ToArray();
            var scores = members.Select(i => studies[i].Scores[h]).ToArray();
            var events = head.Task == TaskKind.Survival ? members.Select(i => studies[i].Events![h]).ToArray() : null;
            // a survival head's "positives" are its events
            var positives = head.Task == TaskKind.Binary ? labels.Count(y => y > 0.5) : events?.Count(e => e == 1) ?? 0;
            var prevalence = head.Task == TaskKind.Binary && members.Length > 0 ? (double)positives / members.Length : double.NaN;
            // a binary head: AUC and AUPRC, then the locked metrics' operating point (one implementation of both)
            var sets = head.Task == TaskKind.Binary
                ? new HeadSamples[]
                {
                    new BinarySamples(scores.Select(s => s[0]).ToArray(), labels.Select(y => y > 0.5).ToArray()),
                    new OperatingPointSamples(scores.Select(s => s[0]).ToArray(), labels.Select(y => y > 0.5).ToArray(),
                        thresholds.TryGetValue(head.Name, out var t) ? t.Value : 0.5, calibration: false),
                }
                : head.Task == TaskKind.Survival
                    // Harrell's C alone: Uno's C and td-AUC need horizons, which a subgroup's event times would move
                    ? new HeadSamples[] { new SurvivalSamples(new SurvivalCohort(labels, events!.Select(e => e == 1).ToArray(), scores.Select(s => s[0]).ToArray()),
                        double.NaN, Array.Empty<double>(), null, null) }
                    : new[] { HeadSamples.For(head, scores, labels) };
            var names = new List<string>();
            var values = new List<double>();
            var intervals = new List<MetricInterval>();
            foreach (var samples in sets)
            {
                // an empty subgroup has no metric, not the zeros a ratio's zero_division gives
                var all = members.Length == 0 ? Enumerable.Repeat(double.NaN, samples.Names.Count).ToArray() : samples.Evaluate().Values.ToArray();
                // both sets resample with the same draws: the same seed, stream and strata
                var bounds = Bootstrap.Intervals(samples, options, seed, stream);
                for (var k = 0; k < samples.Names.Count; k++)
                {
                    var name = samples.Names[k];
                    if (samples is BinarySamples && LockedEvaluation.OnSplitNames.Contains(name)) continue;
                    if (samples is SurvivalSamples && name != "c_index") continue;
                    // the class counts are fixed under resampling within class: without positives (negatives) a
                    // subgroup has no sensitivity (specificity), not the 0 of zero_division
                    var undefined = (name == "sensitivity" && positives == 0) || (name == "specificity" && positives == members.Length);
                    names.Add(name);
                    values.Add(undefined ? double.NaN : all[k]);
                    intervals.Add(undefined ? new MetricInterval(double.NaN, double.NaN) : bounds[k]);
                }
            }
            return new SubgroupRow(head.Name, head.Task, column, group, members.Length, positives, prevalence, names, values.ToArray(), intervals.ToArray());
        }
    }
}
