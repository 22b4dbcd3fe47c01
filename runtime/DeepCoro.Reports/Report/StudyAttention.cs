using System.Collections.Generic;
using DeepCoro.Runtime.Data;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// What `explain` shows for one study: its attention per cls level, the model's scores per head (the
    /// regression value, P(positive), or class probabilities) and, through the study, its labels.
    /// </summary>
    /// <param name="Videos">the study's videos in the batch (the first num_videos, as evaluation takes them).</param>
    public sealed record StudyAttention(Study Study, int Videos, IReadOnlyList<LevelAttention> Levels, double[][] Scores);
}
