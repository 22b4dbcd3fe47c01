using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>One epoch of a trial: the swept metric and every number the trial logged with it.</summary>
    public sealed record EpochMetrics(int Epoch, double Value, JsonObject Values);
}
