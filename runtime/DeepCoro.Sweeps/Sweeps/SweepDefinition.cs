using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// A parsed sweep file: what to search, how, and what was in the file that this engine cannot honour. <c>File</c>
    /// is the name messages start with; <c>WandbCommand</c> is what W&amp;B's agent would have run (program or
    /// command), shown to the user and never run.
    /// </summary>
    public sealed record SweepDefinition(
        string File,
        SearchMethod Method,
        SweepMetric Metric,
        IReadOnlyList<SweepParameter> Parameters,
        Hyperband? EarlyTerminate,
        int? RunCap,
        IReadOnlyList<string> Warnings,
        IReadOnlyList<string> WandbCommand);
}
