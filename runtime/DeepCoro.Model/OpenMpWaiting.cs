using System;
using System.IO;
using System.Runtime.InteropServices;

namespace DeepCoro.Runtime
{
    /// <summary>
    /// How libtorch's OpenMP workers wait between parallel regions. By default they spin for a while after each
    /// torch op, which takes a core from the one-pass cls kernel's .NET threads and from any other process on the
    /// node: on 2 shared cores a training step took 3 to 10 times longer while a build ran (docs/performance.md).
    /// Passive waiting (the workers sleep) is read by libgomp from the native environment once, when libtorch
    /// loads, so it has to be set before the first torch call: a program's first line.
    /// </summary>
    public static class OpenMpWaiting
    {
        public const string PolicyVariable = "OMP_WAIT_POLICY", SpinCountVariable = "GOMP_SPINCOUNT";

        /// <summary>
        /// Sets OMP_WAIT_POLICY=PASSIVE in the native environment unless the user chose a policy or a spin count, or
        /// libtorch's OpenMP runtime is loaded already (then it would not read it). Returns the policy in force
        /// afterwards, as <see cref="Current"/> words it.
        /// </summary>
        public static string PreferPassive()
        {
            if (OperatingSystem.IsLinux() && GetEnv(PolicyVariable) == null && GetEnv(SpinCountVariable) == null && !OpenMpLoaded())
                SetEnv(PolicyVariable, "PASSIVE", 0);
            return Current;
        }

        /// <summary>The policy libgomp reads: OMP_WAIT_POLICY's value, "spin count N" for GOMP_SPINCOUNT, or "default"
        /// (spinning for a while).</summary>
        public static string Current =>
            !OperatingSystem.IsLinux() ? "default"
            : GetEnv(PolicyVariable) is { } policy ? policy.ToLowerInvariant()
            : GetEnv(SpinCountVariable) is { } spins ? $"spin count {spins}"
            : "default";

        /// <summary>Whether libgomp is mapped into this process (libtorch was loaded).</summary>
        private static bool OpenMpLoaded()
        {
            try { return File.ReadAllText("/proc/self/maps").Contains("libgomp", StringComparison.Ordinal); }
            catch (IOException) { return false; }
        }

        // .NET's Environment.SetEnvironmentVariable changes a managed copy only; libgomp reads the C environment.
        private static string? GetEnv(string name) => Marshal.PtrToStringUTF8(NativeGetEnv(name));

        [DllImport("libc", EntryPoint = "getenv")]
        private static extern IntPtr NativeGetEnv(string name);

        [DllImport("libc", EntryPoint = "setenv")]
        private static extern int SetEnv(string name, string value, int overwrite);
    }
}
