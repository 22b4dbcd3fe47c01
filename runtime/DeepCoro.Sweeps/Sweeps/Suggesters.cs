using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
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

}
