using System.Collections.Generic;
using DeepCoro.Runtime.Data;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// What a run's report is drawn from besides the run's own files (metrics.jsonl, summary.json, the predictions):
    /// its model, the class names, example studies' attention (empty when the run has no best model or its data
    /// is gone), the token grid for drawing them, and notes on what is missing and why.
    /// </summary>
    public sealed record RunReportInputs(string RunDirectory, ModelSpec Spec, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> LabelsMap,
        IReadOnlyList<StudyAttention> Examples, TokenGrid? Grid, IReadOnlyList<string> Notes)
    {
        /// <summary>Subgroup tables to show (<c>report --subgroups</c>); none by default.</summary>
        public IReadOnlyList<Evaluation.SubgroupTable> Subgroups { get; init; } = System.Array.Empty<Evaluation.SubgroupTable>();
    }
}
