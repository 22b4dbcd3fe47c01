using System;
using System.IO;
using System.Linq;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Warns when the sweep directory is on a mount whose locks stay on each node: NFS mounted with <c>nolock</c> or
    /// <c>local_lock=flock|all</c>, Lustre without <c>flock</c>. There agents of one node exclude each other but not
    /// agents of other nodes (the lock probe cannot see this: on its own node the lock works).
    /// </summary>
    public static class SharedLockCheck
    {
        /// <summary>The warning for <paramref name="dir"/> from
        /// this machine's /proc/self/mountinfo, or null.</summary>
        public static string? Warning(string dir)
        {
            const string mountinfo = "/proc/self/mountinfo";
            return File.Exists(mountinfo) ? Warning(Path.GetFullPath(dir), File.ReadAllText(mountinfo)) : null;
        }

        /// <summary>The warning for <paramref name="dir"/> given mountinfo text (see proc(5)), or null.</summary>
        public static string? Warning(string dir, string mountinfo)
        {
            var mount = mountinfo.Split('\n')
                .Select(line => line.Split(' '))
                .Where(f => f.Length > 6 && Array.IndexOf(f, "-") > 5)
                .Select(f =>
                {
                    var dash = Array.IndexOf(f, "-");
                    return (Point: f[4].Replace("\\040", " "), Type: f[dash + 1],
                            Options: f[5].Split(',').Concat(dash + 3 < f.Length ? f[dash + 3].Split(',') : Array.Empty<string>()).ToHashSet());
                })
                .Where(m => Under(dir, m.Point))
                .OrderByDescending(m => m.Point.Length)
                .FirstOrDefault();
            if (mount.Point is null) return null;
            var nodeLocal = mount.Type.StartsWith("nfs", StringComparison.Ordinal)
                ? mount.Options.Contains("nolock") || mount.Options.Contains("local_lock=flock") || mount.Options.Contains("local_lock=all")
                : mount.Type == "lustre" && !mount.Options.Contains("flock");
            return nodeLocal
                ? $"{dir}: on {mount.Type} mount {mount.Point}, whose locks do not reach other nodes ({string.Join(",", mount.Options.Where(o => o is "nolock" or "localflock" || o.StartsWith("local_lock", StringComparison.Ordinal)).DefaultIfEmpty("no flock"))}); run agents of this sweep on one node only, or remount with shared locks"
                : null;
        }

        private static bool Under(string dir, string point) =>
            point == "/" || dir == point || dir.StartsWith(point.TrimEnd('/') + "/", StringComparison.Ordinal);
    }
}
