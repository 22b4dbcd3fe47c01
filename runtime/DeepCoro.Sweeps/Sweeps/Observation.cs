using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>What the search knows of an earlier trial: its values and its loss (metric in lower-is-better form),
    /// or null while it runs.</summary>
    public sealed record Observation(JsonObject Params, double? Loss);
}
