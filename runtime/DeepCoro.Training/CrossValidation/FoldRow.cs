namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>One row of folds.csv: a study, its group, and the fold that holds it out in one repeat.</summary>
    public sealed record FoldRow(string StudyId, string Group, int Fold, int Repeat);
}
