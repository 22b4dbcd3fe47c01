using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>What the search knows of an earlier trial: its values and its loss (metric in lower-is-better form),
    /// or null while it runs.</summary>
    public sealed record Observation(JsonObject Params, double? Loss);

    /// <summary>Proposes the values of trial <c>index</c> from the trials before it. Same inputs, same
    /// proposal.</summary>
    public interface ISuggester
    {
        /// <summary>How many distinct trials the method can propose (grid), or null when unbounded.</summary>
        int? Size { get; }
        JsonObject Suggest(int index, IReadOnlyList<Observation> earlier);
    }

    public static class Suggesters
    {
        public static ISuggester For(SweepDefinition sweep, int seed) => sweep.Method switch
        {
            SearchMethod.Grid => new GridSuggester(sweep.Parameters),
            SearchMethod.Random => new RandomSuggester(sweep.Parameters, seed),
            _ => new BayesSuggester(sweep.Parameters, seed),
        };


        public static JsonObject SampleAll(IReadOnlyList<SweepParameter> parameters, Random rng)
        {
            var o = new JsonObject();
            foreach (var p in parameters) o[p.Name] = p.Sample(rng);
            return o;
        }
    }

    /// <summary>The Cartesian product of every parameter's values, last parameter varying fastest.</summary>
    public sealed class GridSuggester : ISuggester
    {
        private readonly IReadOnlyList<SweepParameter> parameters;
        private readonly IReadOnlyList<IReadOnlyList<JsonNode?>> axes;

        public GridSuggester(IReadOnlyList<SweepParameter> parameters)
        {
            this.parameters = parameters;
            axes = parameters.Select(p => p.GridValues() ?? throw new ArgumentException($"grid search cannot enumerate '{p.Name}' ({p.DistributionName})")).ToList();
            long size = axes.Aggregate(1L, (n, a) => n * a.Count);
            if (size > 1_000_000) throw new ArgumentException($"the grid has {size} points; narrow it or use random or bayes");
            Size = (int)size;
        }

        public int? Size { get; }

        public JsonObject Suggest(int index, IReadOnlyList<Observation> earlier)
        {
            if (index >= Size) throw new ArgumentOutOfRangeException(nameof(index), $"the grid has {Size} points");
            var picks = new int[axes.Count];
            for (int k = axes.Count - 1; k >= 0; k--) { picks[k] = index % axes[k].Count; index /= axes[k].Count; }
            var o = new JsonObject();
            for (int k = 0; k < axes.Count; k++) o[parameters[k].Name] = axes[k][picks[k]]?.DeepClone();
            return o;
        }
    }

    /// <summary>Independent draws from each parameter's distribution; trial i uses its own seed, so a resumed sweep
    /// draws the same.</summary>
    public sealed class RandomSuggester : ISuggester
    {
        private readonly IReadOnlyList<SweepParameter> parameters;
        private readonly int seed;

        public RandomSuggester(IReadOnlyList<SweepParameter> parameters, int seed) { this.parameters = parameters; this.seed = seed; }

        public int? Size => null;

        public JsonObject Suggest(int index, IReadOnlyList<Observation> earlier) =>
            Suggesters.SampleAll(parameters, new Random(Seeding.Mix(seed, index, 1)));
    }
}
