using System;
using System.Collections.Generic;
using System.IO;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Video;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// Where each video's file goes in an output folder: its stem (x.avi -> x.safetensors), the name a manifest's
    /// video path maps to when the embeddings folder is given; with <c>keepFoldersUnder</c>, its path below that
    /// folder (a/x.avi -> a/x.safetensors), for datasets whose stems repeat.
    /// </summary>
    public static class EmbeddingNames
    {
        public const string Extension = ".safetensors";

        public static IReadOnlyDictionary<VideoItem, string> Plan(IReadOnlyList<VideoItem> videos, string? keepFoldersUnder)
        {
            var names = new Dictionary<VideoItem, string>();
            var owners = new Dictionary<string, VideoItem>(StringComparer.Ordinal);
            var root = keepFoldersUnder is null ? null : Path.GetFullPath(keepFoldersUnder);
            foreach (var v in videos)
            {
                string name;
                if (root is null) name = Path.GetFileNameWithoutExtension(v.Path) + Extension;
                else
                {
                    var relative = Path.GetRelativePath(root, v.Path);
                    if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
                        throw new DataException($"{v.Path} ({v.Origin}): not below {root}, the folder whose layout --keep-folders keeps");
                    name = Path.ChangeExtension(relative, Extension);
                }
                if (owners.TryGetValue(name, out var other))
                    throw new DataException($"{v.Path} ({v.Origin}) and {other.Path} ({other.Origin}) would both be written to {name}; keep their folders (--keep-folders) to tell them apart");
                owners[name] = v;
                names[v] = name;
            }
            return names;
        }
    }
}
