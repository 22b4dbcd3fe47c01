namespace DeepCoro.Runtime.IO
{
    /// <summary>
    /// The array of agents: <c>Agents</c> tasks, at most <c>Parallel</c> at once (Slurm's <c>%</c> limit; null: no
    /// limit), each running <c>Count</c> trials at most (null: until nothing is left); resources of each task, null
    /// leaving the cluster's default.
    /// </summary>
    public sealed record SlurmOptions(int Agents, int? Parallel = null, int? Count = null, string? Partition = null, string? Time = null,
                                      int? Cpus = null, string? Mem = null, int? Gpus = null, string JobName = "deepcoro-sweep");
}
