using System.Collections.Generic;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// One head's metrics in one subgroup (column "all" is the whole split): the labelled studies in it, the
    /// positives and prevalence (binary heads; NaN otherwise), and the metrics (<see cref="HeadSamples.Names"/>
    /// order; for a binary head at the table's threshold) with bootstrap intervals (NaN bounds when none).
    /// </summary>
    public sealed record SubgroupRow(string Head, TaskKind Task, string Column, string Group, int Count, int Positives, double Prevalence,
        IReadOnlyList<string> Names, double[] Values, MetricInterval[] Intervals);
}
