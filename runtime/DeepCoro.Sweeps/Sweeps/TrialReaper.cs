using System;
using System.Globalization;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Decides whether a running trial's agent is dead. An agent of this machine is checked directly (its process id
    /// and start time): a killed one is known at once. An agent elsewhere is dead when its heartbeat (or, before the
    /// first one, its start) is older than the sweep's stale time; clocks of the nodes must agree to well within it.
    /// </summary>
    public static class TrialReaper
    {
        /// <summary>Why the agent of running trial <paramref name="trial"/>
        /// counts as dead, or null while it may be alive.</summary>
        public static string? Dead(TrialRecord trial, Heartbeat? beat, DateTime now, TimeSpan staleAfter, string host, Func<AgentIdentity, bool> aliveHere)
        {
            if (trial.Status != TrialStatus.Running || trial.Agent is not AgentIdentity agent) return null;
            if (agent.Host == host) return aliveHere(agent) ? null : $"its agent {agent} is gone";
            var last = beat is not null && beat.Attempt == trial.Attempts ? beat.At : trial.StartedAt ?? now;
            var silent = now - last;
            if (silent <= staleAfter) return null;
            return string.Format(CultureInfo.InvariantCulture, "its agent {0} has not reported for {1:0} s (stale after {2:0} s)",
                                 agent, silent.TotalSeconds, staleAfter.TotalSeconds);
        }
    }
}
