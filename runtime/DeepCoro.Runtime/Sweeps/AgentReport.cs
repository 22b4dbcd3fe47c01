using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// What an agent did: trials it ran to an end, whether it was stopped, and the sweep lock's cost: how long each
    /// acquisition waited, and how long the lock was held to claim or propose a trial and to report one.
    /// </summary>
    public sealed record AgentReport(int TrialsRun, bool Interrupted, IReadOnlyList<TimeSpan> LockWaits, IReadOnlyList<TimeSpan> ClaimHolds,
                                     IReadOnlyList<TimeSpan> ReportHolds);
}
