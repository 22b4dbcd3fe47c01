using System.Collections.Generic;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// What moves into a fold as a whole: a group (a patient) and its studies, with per class of the stratified head
    /// how many of them carry that label (empty without stratification; unlabelled studies count in no class).
    /// </summary>
    public sealed record FoldUnit(string Group, IReadOnlyList<string> StudyIds, int[] ClassCounts);
}
