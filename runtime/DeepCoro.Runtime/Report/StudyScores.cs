namespace DeepCoro.Runtime.Report
{
    /// <summary>One study's labels (NaN = missing) and scores per head,
    /// from an evaluation pass or a predictions file.</summary>
    public sealed record StudyScores(string Id, double[] Labels, double[][] Scores);
}
