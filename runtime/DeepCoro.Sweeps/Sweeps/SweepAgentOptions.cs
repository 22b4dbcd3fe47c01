using System;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// How an agent works: <c>Count</c> trials at most (null: until nothing is left), a running trial's log and exit
    /// checked every <c>Poll</c>, a heartbeat every <c>Heartbeat</c>; another machine's agent silent for
    /// <c>StaleAfter</c> is dead; a lock wait longer than <c>LockTimeout</c> is an error.
    /// </summary>
    public sealed record SweepAgentOptions(int? Count, TimeSpan Poll, TimeSpan Heartbeat, TimeSpan StaleAfter, TimeSpan LockTimeout)
    {
        public static SweepAgentOptions For(SweepManifest m, int? count) =>
            new(count, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(m.HeartbeatSeconds), TimeSpan.FromSeconds(m.StaleAfterSeconds),
                TimeSpan.FromMinutes(10));
    }
}
