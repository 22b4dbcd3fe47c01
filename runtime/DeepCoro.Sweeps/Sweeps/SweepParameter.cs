using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// One swept parameter: its dotted config key and how values are drawn.
    /// For the Bayesian optimiser every parameter also maps to the unit cube:
    /// numbers by their prior's CDF (so the prior is uniform there), categories one-hot.
    /// </summary>
    public sealed class SweepParameter
    {
        public string Name { get; }
        public Distribution Distribution { get; }
        public IReadOnlyList<JsonNode?> Values { get; }
        public double Min { get; }
        public double Max { get; }
        public double Mu { get; }
        public double Sigma { get; }
        public double Q { get; }
        /// <summary>Integer draws (int_uniform, or q distributions whose q and bounds are integers).</summary>
        public bool Integer { get; }
        /// <summary>Where the sweep file declares it, for messages (<c>sweep.yaml:23:3</c>);
        /// empty when built in code.</summary>
        public string File { get; private init; } = "";
        public int Line { get; private init; }
        public int Column { get; private init; }

        /// <summary>The parameter's place in its file as messages start:
        /// <c>sweep.yaml:23:3</c>, or its name alone.</summary>
        public string Where => File == "" ? $"parameter '{Name}'" : $"{File}:{Line}:{Column}: parameter '{Name}'";

        public static readonly IReadOnlyDictionary<string, Distribution> Names = new Dictionary<string, Distribution>
        {
            ["constant"] = Distribution.Constant,
            ["categorical"] = Distribution.Categorical,
            ["int_uniform"] = Distribution.IntUniform,
            ["uniform"] = Distribution.Uniform,
            ["q_uniform"] = Distribution.QUniform,
            ["log_uniform_values"] = Distribution.LogUniformValues,
            ["q_log_uniform_values"] = Distribution.QLogUniformValues,
            ["normal"] = Distribution.Normal,
            ["log_normal"] = Distribution.LogNormal,
        };

        public SweepParameter(string name, Distribution distribution, IReadOnlyList<JsonNode?>? values = null,
                              double min = 0, double max = 0, double mu = 0, double sigma = 1, double q = 1, bool integer = false)
        {
            Name = name; Distribution = distribution; Values = values ?? Array.Empty<JsonNode?>();
            Min = min; Max = max; Mu = mu; Sigma = sigma; Q = q;
            Integer = integer || distribution == Distribution.IntUniform;
        }

        /// <summary>This parameter, declared at <paramref name="line"/> of <paramref name="file"/>.</summary>
        public SweepParameter At(string file, int line, int column) =>
            new SweepParameter(Name, Distribution, Values, Min, Max, Mu, Sigma, Q, Integer) { File = file, Line = line, Column = column };

        /// <summary>
        /// A value read back from JSON in this parameter's own type: JSON writes 0.0 as 0, but a categorical value
        /// keeps its YAML type (0.0 stays a float in trial configs and plots) and a continuous draw stays a float.
        /// </summary>
        public JsonNode? Canonical(JsonNode? value)
        {
            if (IsCategorical)
                return Values.FirstOrDefault(v => SweepValues.Same(v, value)) is JsonNode declared ? declared.DeepClone() : value?.DeepClone();
            if (!SweepValues.TryNumber(value, out var x)) return value?.DeepClone();
            return Integer ? JsonValue.Create((long)Math.Round(x)) : JsonValue.Create(x);
        }

        public string DistributionName => Names.First(kv => kv.Value == Distribution).Key;

        /// <summary>Log-scaled on plots and in the optimiser's space.</summary>
        public bool IsLog => Distribution is Distribution.LogUniformValues or Distribution.QLogUniformValues or Distribution.LogNormal;

        public bool IsCategorical => Distribution is Distribution.Categorical or Distribution.Constant;

        public JsonNode? Sample(Random rng)
        {
            switch (Distribution)
            {
                case Distribution.Constant: return Values[0]?.DeepClone();
                case Distribution.Categorical: return Values[rng.Next(Values.Count)]?.DeepClone();
                default: return FromUnit(rng.NextDouble());
            }
        }

        /// <summary>The value at quantile u of a numeric prior (inverse CDF), quantised and kept in bounds.</summary>
        public JsonNode FromUnit(double u)
        {
            u = Math.Clamp(u, 1e-12, 1 - 1e-12);
            var x = Distribution switch
            {
                Distribution.IntUniform => Math.Floor(Min + u * (Max - Min + 1)),
                Distribution.Uniform or Distribution.QUniform => Min + u * (Max - Min),
                Distribution.LogUniformValues or Distribution.QLogUniformValues => Math.Exp(Math.Log(Min) + u * (Math.Log(Max) - Math.Log(Min))),
                Distribution.Normal => Mu + Sigma * Normal.InverseCdf(u),
                Distribution.LogNormal => Math.Exp(Mu + Sigma * Normal.InverseCdf(u)),
                _ => throw new InvalidOperationException($"{Name}: {DistributionName} has no numeric prior"),
            };
            if (Distribution == Distribution.IntUniform) x = Math.Min(x, Max);
            if (Distribution is Distribution.QUniform or Distribution.QLogUniformValues)
            {
                x = Math.Round(x / Q) * Q;
                // rounding may step past a bound: step back onto the grid inside [min, max]
                if (x > Max) x -= Q;
                if (x < Min) x += Q;
            }
            return Integer ? JsonValue.Create((long)Math.Round(x)) : JsonValue.Create(x);
        }

        /// <summary>Width of this parameter in the optimiser's unit cube.</summary>
        public int Dimensions => Distribution switch
        {
            Distribution.Constant => 0,
            Distribution.Categorical => Values.Count > 1 ? Values.Count : 0,
            _ => 1,
        };

        /// <summary>Writes this parameter's coordinates for
        /// <paramref name="value"/> into <paramref name="into"/>.</summary>
        public void Encode(JsonNode? value, Span<double> into)
        {
            if (Dimensions == 0) return;
            if (Distribution == Distribution.Categorical)
            {
                for (var k = 0; k < Values.Count; k++) into[k] = SweepValues.Same(Values[k], value) ? 1 : 0;
                return;
            }
            SweepValues.TryNumber(value, out var x);
            into[0] = Distribution switch
            {
                Distribution.IntUniform => (x - Min + 0.5) / (Max - Min + 1),
                Distribution.Uniform or Distribution.QUniform => (x - Min) / (Max - Min),
                Distribution.LogUniformValues or Distribution.QLogUniformValues => (Math.Log(x) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min)),
                Distribution.Normal => Normal.Cdf((x - Mu) / Sigma),
                _ => Normal.Cdf((Math.Log(x) - Mu) / Sigma),
            };
        }

        /// <summary>Every value grid search visits, or null when the distribution is continuous.</summary>
        public IReadOnlyList<JsonNode?>? GridValues()
        {
            switch (Distribution)
            {
                case Distribution.Constant:
                case Distribution.Categorical:
                    return Values;
                case Distribution.IntUniform:
                    return Enumerable.Range(0, (int)(Max - Min) + 1).Select(k => (JsonNode?)JsonValue.Create((long)Min + k)).ToList();
                case Distribution.QUniform:
                    var first = Math.Ceiling(Min / Q - 1e-9);
                    var last = Math.Floor(Max / Q + 1e-9);
                    return Enumerable.Range(0, (int)(last - first) + 1)
                        .Select(k => (JsonNode?)((first + k) * Q is var x && Integer ? JsonValue.Create((long)Math.Round(x)) : JsonValue.Create((first + k) * Q)))
                        .ToList();
                default:
                    return null;
            }
        }
    }

}
