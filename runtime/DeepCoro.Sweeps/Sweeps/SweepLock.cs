using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The sweep's lock: an exclusive <c>flock</c> on <c>journal.lock</c>, taken by opening it unshared (.NET asks the
    /// kernel for LOCK_EX). The kernel lets it go when its holder dies, kill -9 included; on NFS the lock is the
    /// server's (Linux maps flock to NFS byte-range locks), so agents on all nodes exclude each other. Waiting polls
    /// with a growing, jittered pause.
    /// </summary>
    public sealed class SweepLock : IDisposable
    {
        /// <summary>"Locked by another open": .NET gives flock's EWOULDBLOCK as the raw errno (Linux 11, macOS 35),
        /// Windows' sharing violation as an HResult.</summary>
        private static readonly int[] Busy = { 11, 35, unchecked((int)0x80070020) };
        private readonly FileStream stream;
        private readonly Stopwatch held = Stopwatch.StartNew();

        private SweepLock(FileStream stream, TimeSpan waited) { this.stream = stream; Waited = waited; }

        /// <summary>How long the acquisition waited.</summary>
        public TimeSpan Waited { get; }

        /// <summary>How long it has been held.</summary>
        public TimeSpan Held => held.Elapsed;

        public static SweepLock Acquire(string path, TimeSpan timeout, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            var pause = 1.0;
            var jitter = new Random();
            while (true)
            {
                var stream = TryOpen(path);
                if (stream != null) return new SweepLock(stream, clock.Elapsed);
                if (clock.Elapsed > timeout)
                    throw new TimeoutException($"{path}: still locked after {timeout.TotalSeconds:0} s; an agent holds it that neither ends nor lets go (hung on I/O?): find it with `fuser {path}` on each node");
                cancel.ThrowIfCancellationRequested();
                Thread.Sleep(TimeSpan.FromMilliseconds(pause * (0.5 + jitter.NextDouble())));
                pause = Math.Min(pause * 1.5, 50);
            }
        }

        /// <summary>
        /// Fails when locks on <paramref name="path"/> do not exclude (a file system without flock, where .NET's lock
        /// silently does nothing): a second unshared open in this process must be refused while the first is held.
        /// </summary>
        public static void CheckEnforced(string path)
        {
            using var first = TryOpen(path);
            if (first is null) return;   // another holder excluded this open: locks work
            using var second = TryOpen(path);
            if (second != null)
                throw new IOException($"{path}: this file system does not enforce file locks (flock), so agents could not exclude each other; put the sweep directory on one that does (NFS without nolock, Lustre mounted with -o flock)");
        }

        private static FileStream? TryOpen(string path)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException e) when (Array.IndexOf(Busy, e.HResult) >= 0) { return null; }
        }

        public void Dispose() => stream.Dispose();
    }
}
