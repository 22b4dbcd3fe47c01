using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>The Cartesian product of every parameter's values, last parameter varying fastest.</summary>
    public sealed class GridSuggester : ISuggester
    {
        private readonly IReadOnlyList<SweepParameter> parameters;
        private readonly IReadOnlyList<IReadOnlyList<JsonNode?>> axes;

        public GridSuggester(IReadOnlyList<SweepParameter> parameters)
        {
            this.parameters = parameters;
            axes = parameters.Select(p => p.GridValues() ?? throw new DeepCoroUserException($"grid search cannot enumerate '{p.Name}' ({p.DistributionName})")).ToList();
            var size = axes.Aggregate(1L, (n, a) => n * a.Count);
            if (size > 1_000_000) throw new DeepCoroUserException($"the grid has {size} points; narrow it or use random or bayes");
            Size = (int)size;
        }

        public int? Size { get; }

        public JsonObject Suggest(int index, IReadOnlyList<Observation> earlier)
        {
            if (index >= Size) throw new ArgumentOutOfRangeException(nameof(index), $"the grid has {Size} points");
            var picks = new int[axes.Count];
            for (var k = axes.Count - 1; k >= 0; k--) { picks[k] = index % axes[k].Count; index /= axes[k].Count; }
            var o = new JsonObject();
            for (var k = 0; k < axes.Count; k++) o[parameters[k].Name] = axes[k][picks[k]]?.DeepClone();
            return o;
        }
    }
}
