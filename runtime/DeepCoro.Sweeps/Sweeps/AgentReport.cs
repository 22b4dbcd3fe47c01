using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// What an agent did: trials it ran to an end, whether it was stopped, and the sweep lock's cost: how long each
    /// acquisition waited; how long the lock was held for each proposal (the search proposing a new trial, its config
    /// written and checked) and the CPU time this process spent in it (the hold on an idle machine); how long it was
    /// held to report an epoch or an end.
    /// </summary>
    public sealed record AgentReport(int TrialsRun, bool Interrupted, IReadOnlyList<TimeSpan> LockWaits, IReadOnlyList<TimeSpan> ProposalHolds,
                                     IReadOnlyList<TimeSpan> ProposalCpu, IReadOnlyList<TimeSpan> ReportHolds);
}
