using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
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
