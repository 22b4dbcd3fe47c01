using System.Collections.Generic;

namespace DeepCoro.Runtime.Training
{
    /// <summary>One optimizer parameter group: its name, its parameters, its base rate and decay.</summary>
    public sealed record ParameterGroup(string Name, List<(string Key, TorchSharp.Modules.Parameter Parameter)> Parameters, double Lr, double WeightDecay);
}
