using System.IO;

namespace DeepCoro.Runtime.IO
{
    /// <summary>Why a path given as an input file cannot be read as one: missing, or a directory.</summary>
    public static class InputFile
    {
        /// <summary>"path: <paramref name="what"/> not found" or "path: is a directory, expected a file"; null when
        /// it is a file.</summary>
        public static string? Problem(string path, string what) =>
            File.Exists(path) ? null
            : Directory.Exists(path) ? $"{path}: is a directory, expected a file"
            : $"{path}: {what} not found";
    }
}
