using System.Collections.Generic;

namespace DeepCoro.Runtime.Training
{
    /// <summary>A parameter group as a plan gives it, before a model exists:
    /// its name, rate, decay and the modules in it.</summary>
    public sealed record PlannedGroup(string Name, double Lr, double WeightDecay, IReadOnlyList<string> Modules);
}
