using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Two models' predictions of one head on the studies both files hold, in A's order, with one label per study
    /// (the files must agree on it), and how many rows were left out: in A only, in B only, and common but without a
    /// label (or with a score missing) in either.
    /// </summary>
    public sealed class MatchedPredictions
    {
        private MatchedPredictions(HeadPredictions a, string[] keys, double[] labels, double[]? events, double[][] scoresA, double[][] scoresB, int onlyInA, int onlyInB,
            int unlabelled)
        {
            Events = events;
            Head = a.Head;
            Task = a.Task;
            Outputs = a.Outputs;
            Keys = keys;
            Labels = labels;
            ScoresA = scoresA;
            ScoresB = scoresB;
            OnlyInA = onlyInA;
            OnlyInB = onlyInB;
            Unlabelled = unlabelled;
        }

        public string Head { get; }
        public TaskKind Task { get; }
        public int Outputs { get; }
        public string[] Keys { get; }
        public double[] Labels { get; }
        /// <summary>A survival head's event per study (1 event, 0 censored; <see cref="Labels"/> are the times);
        /// null for other heads.</summary>
        public double[]? Events { get; }
        public double[][] ScoresA { get; }
        public double[][] ScoresB { get; }
        public int OnlyInA { get; }
        public int OnlyInB { get; }
        public int Unlabelled { get; }

        public int Count => Keys.Length;

        /// <summary>Matches head <paramref name="head"/> of two files by their key column.</summary>
        public static MatchedPredictions Match(PredictionFile fileA, PredictionFile fileB, string head)
        {
            var a = fileA.Head(head);
            var b = fileB.Head(head);
            if (a.Task != b.Task || a.Outputs != b.Outputs)
            {
                throw new PredictionFileException(PredictionProblem.HeadMissing,
                    $"head '{head}' is {Describe(a)} in {fileA.Path} but {Describe(b)} in {fileB.Path}; compare predictions of the same head");
            }

            var rowOfB = new Dictionary<string, int>();
            for (var j = 0; j < b.Keys.Length; j++) rowOfB[b.Keys[j]] = j;
            var keys = new List<string>();
            var labels = new List<double>();
            var events = new List<double>();
            var scoresA = new List<double[]>();
            var scoresB = new List<double[]>();
            int common = 0, unlabelled = 0;
            for (var i = 0; i < a.Keys.Length; i++)
            {
                if (!rowOfB.TryGetValue(a.Keys[i], out var j)) continue;
                common++;
                double la = a.Labels[i], lb = b.Labels[j];
                if (!double.IsNaN(la) && !double.IsNaN(lb) && la != lb)
                {
                    throw new PredictionFileException(PredictionProblem.Unreadable,
                        $"{a.Keys[i]}: head '{head}' has label {la} in {fileA.Path} but {lb} in {fileB.Path}; the files must describe the same studies");
                }

                var label = double.IsNaN(la) ? lb : la;
                double ea = a.Events?[i] ?? 0, eb = b.Events?[j] ?? 0;
                if (!double.IsNaN(ea) && !double.IsNaN(eb) && ea != eb)
                {
                    throw new PredictionFileException(PredictionProblem.Unreadable,
                        $"{a.Keys[i]}: head '{head}' has event {ea} in {fileA.Path} but {eb} in {fileB.Path}; the files must describe the same studies");
                }

                var ev = double.IsNaN(ea) ? eb : ea;
                if (double.IsNaN(label) || double.IsNaN(ev) || a.Scores[i].Any(double.IsNaN) || b.Scores[j].Any(double.IsNaN)) { unlabelled++; continue; }
                if (a.Task == TaskKind.Survival && ev != 0 && ev != 1)
                {
                    throw new PredictionFileException(PredictionProblem.Unreadable,
                        $"{a.Keys[i]}: event {ev} of survival head '{head}' in {fileA.Path} is neither 1 (event) nor 0 (censored)");
                }

                var classes = a.Task == TaskKind.Binary ? 2 : a.Outputs;
                if (a.Task is TaskKind.Binary or TaskKind.Multiclass && (label != Math.Floor(label) || label < 0 || label >= classes))
                {
                    throw new PredictionFileException(PredictionProblem.Unreadable,
                        $"{a.Keys[i]}: label {label} of {a.Task.ToString().ToLowerInvariant()} head '{head}' is not a class 0..{classes - 1}");
                }

                keys.Add(a.Keys[i]);
                labels.Add(label);
                events.Add(ev);
                scoresA.Add(a.Scores[i]);
                scoresB.Add(b.Scores[j]);
            }
            if (common == 0)
            {
                throw new PredictionFileException(PredictionProblem.NoCommonStudy,
                    $"{fileA.Path} ({a.Keys.Length} rows by {fileA.KeyColumn}) and {fileB.Path} ({b.Keys.Length} rows by {fileB.KeyColumn}) share no study; compare predictions of the same studies");
            }

            if (keys.Count == 0)
            {
                throw new PredictionFileException(PredictionProblem.NoCommonStudy,
                    $"the {common} studies {fileA.Path} and {fileB.Path} share have no label of head '{head}' (or no score); nothing to compare");
            }

            return new MatchedPredictions(a, keys.ToArray(), labels.ToArray(), a.Task == TaskKind.Survival ? events.ToArray() : null, scoresA.ToArray(), scoresB.ToArray(),
                a.Keys.Length - common, b.Keys.Length - common, unlabelled);
        }

        /// <summary>Model A's samples (<paramref name="a"/> true) or model B's,
        /// for the metrics and their bootstrap.</summary>
        public HeadSamples Samples(bool a)
        {
            var scores = a ? ScoresA : ScoresB;
            return Task switch
            {
                TaskKind.Regression => new RegressionSamples(scores.Select(s => s[0]).ToArray(), Labels),
                TaskKind.Survival => SurvivalSamples.OfRisk(scores.Select(s => s[0]).ToArray(), Labels, Events!),
                TaskKind.Binary => new BinarySamples(scores.Select(s => s[0]).ToArray(), Labels.Select(v => v > 0.5).ToArray()),
                _ => new MulticlassSamples(scores, Labels.Select(v => (int)v).ToArray(), Outputs),
            };
        }

        private static string Describe(HeadPredictions h) =>
            h.Task == TaskKind.Multiclass ? $"multiclass with {h.Outputs} classes" : h.Task.ToString().ToLowerInvariant();
    }
}
