using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>
    /// Assigns whole groups to K folds, greedily and seeded, as scikit-learn's
    /// StratifiedGroupKFold(shuffle=True) does (a reference behaviour, not a bit-exact oracle).
    /// The groups are shuffled by a generator of (seed, repeat), so each repeat is another shuffle.
    /// Without classes the largest groups go first, each into the fold with the fewest studies;
    /// with classes the groups whose labels are most uneven go first (largest standard deviation of their class
    /// counts), each into the fold that keeps the mean over classes of the standard deviation across folds of
    /// the class's share per fold smallest, ties to the fold with the fewest studies, then the lowest index.
    /// </summary>
    public static class FoldAssignment
    {
        /// <summary>The fold of each unit, in the units' order.</summary>
        public static int[] Assign(IReadOnlyList<FoldUnit> units, int folds, int seed, int repeat)
        {
            if (folds < 2) throw new CrossValidationException($"folds {folds}: at least 2 folds are needed");
            if (folds > units.Count)
                throw new CrossValidationException($"folds {folds}: more folds than groups ({units.Count}); every fold needs at least one group, so use at most {units.Count} folds");
            var classes = units.Count == 0 ? 0 : units[0].ClassCounts.Length;
            var rng = new Random(Seeding.Mix(seed, repeat, 0x0CF0));
            var order = Enumerable.Range(0, units.Count).ToArray();
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            // OrderBy is stable: units alike keep their shuffled order
            var sorted = classes == 0
                ? order.OrderByDescending(u => units[u].StudyIds.Count).ToArray()
                : order.OrderByDescending(u => StandardDeviation(units[u].ClassCounts.Select(c => (double)c).ToArray())).ToArray();
            var total = new double[classes];
            foreach (var u in units)
                for (var c = 0; c < classes; c++) total[c] += u.ClassCounts[c];
            var size = new int[folds];
            var counts = new double[folds, classes];
            var fold = new int[units.Count];
            foreach (var u in sorted)
            {
                var best = -1;
                var bestCost = double.PositiveInfinity;
                for (var f = 0; f < folds; f++)
                {
                    var cost = classes == 0 ? 0 : Cost(counts, total, units[u].ClassCounts, f, folds, classes);
                    if (best < 0 || cost < bestCost - 1e-12 || (Math.Abs(cost - bestCost) <= 1e-12 && size[f] < size[best]))
                    {
                        best = f;
                        bestCost = cost;
                    }
                }
                fold[u] = best;
                size[best] += units[u].StudyIds.Count;
                for (var c = 0; c < classes; c++) counts[best, c] += units[u].ClassCounts[c];
            }
            for (var f = 0; f < folds; f++)
            {
                if (size[f] == 0)
                    throw new CrossValidationException($"folds {folds}: fold {f} of repeat {repeat} got no study (the groups are too few or too uneven)", Remedy.FewerFolds);
            }

            return fold;
        }

        /// <summary>The mean over classes of the spread across folds of each class's share, were the unit added to
        /// fold <paramref name="into"/>.</summary>
        private static double Cost(double[,] counts, double[] total, int[] unit, int into, int folds, int classes)
        {
            double sum = 0;
            var share = new double[folds];
            for (var c = 0; c < classes; c++)
            {
                if (total[c] == 0) continue;
                for (var f = 0; f < folds; f++) share[f] = (counts[f, c] + (f == into ? unit[c] : 0)) / total[c];
                sum += StandardDeviation(share);
            }
            return sum / classes;
        }

        private static double StandardDeviation(double[] values)
        {
            var mean = values.Average();
            return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        }
    }
}
