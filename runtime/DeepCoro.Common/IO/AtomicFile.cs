using System;
using System.Diagnostics;
using System.IO;

namespace DeepCoro.Runtime.IO
{
    /// <summary>
    /// Writes a file so that readers see either the old content or the whole new one, never a part. The temporary
    /// file is a hidden sibling named after the target, this host and this process (<c>.name.host.pid.random.tmp</c>):
    /// a process killed mid-write leaves it behind, and the next write of the same target removes the ones whose
    /// process on this host has ended (those of live writers, or of other hosts sharing the folder, are left alone).
    /// </summary>
    public static class AtomicFile
    {
        public static void Write(string path, Action<Stream> write) => OutputException.Guard(path, () =>
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full)) throw new IOException("it is a directory", EIsDir);
            var dir = Path.GetDirectoryName(full)!;
            Directory.CreateDirectory(dir);
            var name = Path.GetFileName(full);
            RemoveStale(dir, name);
            var temp = Path.Combine(dir, $".{name}.{Host}.{Environment.ProcessId}.{Guid.NewGuid().ToString("N")[..8]}.tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    write(stream);
                    stream.Flush(true);
                }
                File.Move(temp, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        });

        public static void WriteText(string path, string text) =>
            Write(path, s => { var bytes = System.Text.Encoding.UTF8.GetBytes(text); s.Write(bytes, 0, bytes.Length); });

        private const int EIsDir = 21;

        private static readonly string Host = Environment.MachineName.Replace('.', '_');

        /// <summary>Deletes the temporary files of <paramref name="name"/>
        /// left by ended processes of this host.</summary>
        private static void RemoveStale(string dir, string name)
        {
            foreach (var file in Directory.EnumerateFiles(dir, $".{name}.{Host}.*.tmp"))
            {
                var parts = Path.GetFileName(file)[(name.Length + Host.Length + 3)..].Split('.');
                if (parts.Length == 3 && int.TryParse(parts[0], out var pid) && !Alive(pid))
                    try { File.Delete(file); } catch (IOException) { }   // another process removed it first
            }
        }

        private static bool Alive(int pid)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                return !p.HasExited;
            }
            catch (ArgumentException) { return false; }
        }
    }
}
