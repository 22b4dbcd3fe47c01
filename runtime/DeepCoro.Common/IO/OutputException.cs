using System;
using System.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.IO
{
    /// <summary>
    /// An output that cannot be written, as one line naming the path and the cause (a directory where a file goes, a
    /// parent that is a file, a read-only file system, a full disk, no permission). Every writer of results and logs
    /// goes through <see cref="Guard"/> (or <see cref="AtomicFile"/>, which does), so the command line prints a
    /// sentence instead of .NET frames, whichever verb wrote.
    /// </summary>
    public sealed class OutputException : DeepCoroUserException
    {
        public string Path { get; }

        private OutputException(string path, string cause, Exception inner) : base($"{path}: cannot write: {cause}", Remedy.None, inner) { Path = path; }

        /// <summary>Runs a write to <paramref name="path"/>, turning an
        /// I/O failure into an <see cref="OutputException"/>.</summary>
        public static void Guard(string path, Action write) => Guard(path, () => { write(); return 0; });

        public static T Guard<T>(string path, Func<T> write)
        {
            try { return write(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Of(path, e); }
        }

        public static OutputException Of(string path, Exception e) => e as OutputException ?? new OutputException(path, Cause(path, e), e);

        private static string Cause(string path, Exception e)
        {
            var full = System.IO.Path.GetFullPath(path);
            for (var parent = System.IO.Path.GetDirectoryName(full); parent != null; parent = System.IO.Path.GetDirectoryName(parent))
                if (File.Exists(parent)) return $"{parent} is a file, not a folder";
            return e.HResult switch
            {
                EIsDir => "it is a directory; name a file",
                ENoSpc => "no space left on the device",
                ERoFs => "the file system is read-only",
                EDQuot => "the disk quota is exceeded",
                _ when e is UnauthorizedAccessException => "permission denied",
                _ => OneLine(e.Message),
            };
        }

        // errno values, which .NET on Linux gives as the IOException's HResult
        private const int EIsDir = 21, ENoSpc = 28, ERoFs = 30, EDQuot = 122;

        private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
    }
}
