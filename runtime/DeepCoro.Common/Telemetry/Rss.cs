using System;
using System.IO;
using System.Linq;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>Linux resident-set figures from /proc: the current size, and the peak since the last reset.</summary>
    public static class Rss
    {
        public static long CurrentBytes() => Read("VmRSS:");
        public static long PeakBytes() => Read("VmHWM:");

        /// <summary>Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS (Linux 4.0+).</summary>
        public static void ResetPeak()
        {
            try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private static long Read(string field)
        {
            if (!File.Exists("/proc/self/status")) return 0;
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field));
            return line is null ? 0 : long.Parse(line.Substring(field.Length).Trim().Split(' ')[0]) * 1024;
        }
    }
}
