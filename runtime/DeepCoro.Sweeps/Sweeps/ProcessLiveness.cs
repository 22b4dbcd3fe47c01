using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Whether a process of this machine is still the one a record names. A process is named by its id and a start
    /// token: on Linux its start time in clock ticks since boot (/proc/PID/stat, field 22), exact and the same from
    /// any reader; elsewhere its start time to the second. (.NET's Process.StartTime is derived from the current time
    /// minus the uptime, and on a loaded machine two readings can differ by more than a second.)
    /// </summary>
    public static class ProcessLiveness
    {
        /// <summary>The start token of process <paramref name="pid"/>,
        /// or null when there is no such process.</summary>
        public static string? StartToken(int pid)
        {
            var stat = $"/proc/{pid}/stat";
            try
            {
                if (File.Exists("/proc/self/stat"))
                {
                    var text = File.ReadAllText(stat);
                    // the command name (field 2) is in parentheses and may hold spaces:
                    // count fields after the last ')'
                    var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                    return "ticks:" + fields[19];
                }
                using var p = Process.GetProcessById(pid);
                return "utc:" + p.StartTime.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                return null;
            }
        }

        public static bool IsAlive(int pid, string startToken) => StartToken(pid) == startToken;

        /// <summary>Ends the named process and its children if it is still that process;
        /// true when it was alive.</summary>
        public static bool Kill(int pid, string startToken)
        {
            if (!IsAlive(pid, startToken)) return false;
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                return true;
            }
            catch (ArgumentException) { return false; }
            catch (InvalidOperationException) { return false; }
        }
    }
}
