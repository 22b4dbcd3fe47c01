using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>A trial being trained. Its agent polls it from one thread
    /// (the heartbeat reads only the process id and start).</summary>
    public interface IRunningTrial : IDisposable
    {
        int? ProcessId { get; }
        /// <summary>The trial process's start token (see ProcessLiveness), with its id naming it exactly.</summary>
        string? ProcessStart { get; }
        /// <summary>True once the trial has exited; waits up to
        /// <paramref name="timeout"/> for it (returning as it exits).</summary>
        bool WaitForExit(TimeSpan timeout);
        int ExitCode { get; }
        /// <summary>Rows of the trial's metrics log written since the last call.</summary>
        IReadOnlyList<JsonObject> ReadNewRows();
        /// <summary>The last lines of the trial's error output, for the failure reason.</summary>
        string FailureDetail();
        void Kill();
    }
}
