using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DeepCoro.Runtime.IO
{
    /// <summary>
    /// An exclusive lock on a directory for as long as one process writes into it: flock(2) on <c>DIR/.lock</c>, which
    /// the kernel releases when the process ends in any way (kill -9 included), so a stale lock never blocks. The
    /// holder writes its pid and purpose into the file, so a second process is refused with a line naming them. The
    /// file is opened with open(2) rather than a FileStream because .NET takes its own flock when it opens a file,
    /// which would keep the second process from reading who holds the lock.
    /// </summary>
    public sealed class DirectoryLock : IDisposable
    {
        public const string FileName = ".lock";

        private readonly FileStream file;

        private DirectoryLock(FileStream file) => this.file = file;

        /// <summary>Creates <paramref name="directory"/> if needed and locks it, or throws
        /// <see cref="DirectoryInUseException"/> naming the holder; <paramref name="purpose"/> is what the holder is
        /// doing, for that message ("deepcoro train").</summary>
        public static DirectoryLock Acquire(string directory, string purpose)
        {
            var path = Path.Combine(directory, FileName);
            var file = OutputException.Guard(path, () =>
            {
                Directory.CreateDirectory(directory);
                return Open(path);
            });
            if (!TryLock(file, path))
            {
                var holder = ReadAll(file);
                file.Dispose();
                var pid = holder.Split(' ', 2)[0];
                var what = holder.Contains(' ') ? $" ({holder.Split(' ', 2)[1]})" : "";
                throw new DirectoryInUseException(
                    $"{directory}: in use by process {(pid == "" ? "(unknown)" : pid)}{what}; wait for it to end, or choose another directory");
            }
            OutputException.Guard(path, () =>
            {
                file.SetLength(0);
                var text = Encoding.UTF8.GetBytes($"{Environment.ProcessId} {purpose}\n");
                file.Write(text, 0, text.Length);
                file.Flush(true);
            });
            return new DirectoryLock(file);
        }

        public void Dispose() => file.Dispose();

        private static string ReadAll(FileStream file)
        {
            file.Position = 0;
            using var reader = new StreamReader(file, Encoding.UTF8, false, 1024, leaveOpen: true);
            return reader.ReadToEnd().Trim();
        }

        private static FileStream Open(string path)
        {
            if (!OperatingSystem.IsLinux())
                // elsewhere .NET's own share lock does the job, without the holder's pid in the message
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            var fd = open(path, ORdWr | OCreat | OCloExec, 0b110_110_100);
            if (fd < 0) throw new IOException($"cannot open {path}", Marshal.GetLastPInvokeError());
            return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, 1);
        }

        private static bool TryLock(FileStream file, string path)
        {
            if (!OperatingSystem.IsLinux()) return true;   // FileShare.None already refused a second opener
            if (flock((int)file.SafeFileHandle.DangerousGetHandle(), LockEx | LockNb) == 0) return true;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EWouldBlock) return false;
            throw new IOException($"cannot lock {path}", errno);
        }

        private const int ORdWr = 2, OCreat = 0x40, OCloExec = 0x80000, LockEx = 2, LockNb = 4, EWouldBlock = 11;

        [DllImport("libc", SetLastError = true)]
        private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        private static extern int flock(int fd, int operation);
    }
}
