using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// One head's rows of a prediction file, in file order: the row's key (study id, or the reference's
    /// video_name), its label (NaN when absent; a class id for multiclass) and its scores (the regression value,
    /// P(positive), or the class probabilities; a survival head's label is its time, its score its risk, and
    /// <see cref="Events"/> holds its events, null for other heads).
    /// </summary>
    public sealed record HeadPredictions(string Head, TaskKind Task, int Outputs, string[] Keys, double[] Labels, double[][] Scores, double[]? Events = null);
}
