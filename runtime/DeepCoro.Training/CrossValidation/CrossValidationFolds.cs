using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Data;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// The folds of every repeat over the studies of the training and validation splits (the test split stays out):
    /// whole groups per fold (a study is its own group without a group column), balanced on a classification head's
    /// label when asked.
    /// </summary>
    public static class CrossValidationFolds
    {
        /// <summary>
        /// folds.csv's rows, repeat by repeat in the studies' order. <paramref name="stratify"/> is the index of a
        /// classification head in <paramref name="heads"/>, or null. A fold whose validation part holds one class of
        /// that head is refused: its AUC would be undefined and its best epoch chosen on nothing.
        /// </summary>
        public static IReadOnlyList<FoldRow> Make(IReadOnlyList<Study> studies, IReadOnlyList<HeadSpec> heads, int? stratify, int folds, int repeats, int seed)
        {
            if (repeats < 1) throw new CrossValidationException($"repeats {repeats}: at least 1 repeat is needed");
            var classes = 0;
            if (stratify is int s)
            {
                var head = heads[s];
                if (head.Task == TaskKind.Regression)
                    throw new CrossValidationException($"stratify {head.Name}: a regression head has no classes to balance; name a binary or multiclass head");
                classes = head.Task == TaskKind.Binary ? 2 : head.Outputs;
            }
            var units = studies.GroupBy(x => x.Group ?? x.Id).Select(g =>
            {
                var counts = new int[classes];
                if (stratify is int h)
                {
                    foreach (var study in g)
                        if (!double.IsNaN(study.Labels[h])) counts[(int)study.Labels[h]]++;
                }

                return new FoldUnit(g.Key, g.Select(x => x.Id).ToList(), counts);
            }).ToList();
            var rows = new List<FoldRow>();
            for (var r = 0; r < repeats; r++)
            {
                var fold = FoldAssignment.Assign(units, folds, seed, r);
                var byGroup = units.Select((u, i) => (u.Group, Fold: fold[i])).ToDictionary(x => x.Group, x => x.Fold);
                rows.AddRange(studies.Select(x => new FoldRow(x.Id, x.Group ?? x.Id, byGroup[x.Group ?? x.Id], r)));
                if (stratify is int h)
                {
                    for (var f = 0; f < folds; f++)
                    {
                        var present = units.Where((u, i) => fold[i] == f).SelectMany(u => u.ClassCounts.Select((c, k) => (c, k)))
                            .Where(x => x.c > 0).Select(x => x.k).Distinct().ToList();
                        if (present.Count < 2)
                        {
                            throw new CrossValidationException(
                                $"stratify {heads[h].Name}: fold {f} of repeat {r} would validate on {(present.Count == 0 ? "no labelled study" : $"class {present[0]} only")} of head '{heads[h].Name}', where its AUC is undefined", Remedy.FewerFolds);
                        }
                    }
                }
            }
            return rows;
        }
    }
}
