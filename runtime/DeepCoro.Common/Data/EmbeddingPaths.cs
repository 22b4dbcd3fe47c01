using System;
using System.IO;
using System.Linq;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// Where the embedding of a video lies when the manifest names videos (DeepCORO_CLIP's CSVs point at .avi/.mp4
    /// files) and the embeddings sit in a folder of their own: <c>DIR/x.npy</c> (or .safetensors, .pt) for
    /// <c>.../x.avi</c>, or, with sub-folders kept, the video's folder below the data root mirrored under DIR.
    /// `deepcoro embed` writes its files where this looks for them.
    /// </summary>
    public static class EmbeddingPaths
    {
        /// <summary>The formats looked for, in order.</summary>
        public static readonly string[] Extensions = { ".npy", ".safetensors", ".pt" };

        /// <summary>The file name stem and sub-folder (empty when flat)
        /// of a video's embedding, without extension.</summary>
        public static string Stem(string video, string? root, bool keepFolders)
        {
            var name = Path.GetFileNameWithoutExtension(video);
            if (!keepFolders) return name;
            var folder = Path.GetDirectoryName(video) ?? "";
            if (Path.IsPathRooted(folder))
                folder = root is not null && IsUnder(folder, root) ? Path.GetRelativePath(root, folder) : folder.TrimStart(Path.DirectorySeparatorChar);
            return folder.Length == 0 || folder == "." ? name : Path.Combine(folder, name);
        }

        /// <summary>The existing embedding of <paramref name="video"/>
        /// under <paramref name="dir"/>, or null.</summary>
        public static string? Find(string dir, string video, string? root, bool keepFolders)
        {
            var stem = Path.Combine(dir, Stem(video, root, keepFolders));
            return Extensions.Select(e => stem + e).FirstOrDefault(File.Exists);
        }

        private static bool IsUnder(string folder, string root)
        {
            var r = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
            return (Path.GetFullPath(folder) + Path.DirectorySeparatorChar).StartsWith(r, StringComparison.Ordinal);
        }
    }
}
