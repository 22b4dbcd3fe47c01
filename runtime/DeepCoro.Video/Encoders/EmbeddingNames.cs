using System.Collections.Generic;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Video;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// Where each video's file goes in an output folder: where <see cref="EmbeddingPaths"/> looks for it when the
    /// folder is given to training as the embeddings folder (x.avi -> x.safetensors; with sub-folders kept, the
    /// video's folder below <c>root</c> mirrored). Two videos that would share a file are an error naming both.
    /// </summary>
    public static class EmbeddingNames
    {
        public const string Extension = ".safetensors";

        public static IReadOnlyDictionary<VideoItem, string> Plan(IReadOnlyList<VideoItem> videos, string? root, bool keepFolders)
        {
            var names = new Dictionary<VideoItem, string>();
            var owners = new Dictionary<string, VideoItem>(System.StringComparer.Ordinal);
            foreach (var v in videos)
            {
                var name = EmbeddingPaths.Stem(v.Path, root, keepFolders) + Extension;
                if (owners.TryGetValue(name, out var other))
                {
                    throw new DataException($"{v.Path} ({v.Origin}) and {other.Path} ({other.Origin}) would both be written to {name}"
                        + (keepFolders ? "; rename one of them" : ""), keepFolders ? Remedy.None : Remedy.KeepFolders);
                }

                owners[name] = v;
                names[v] = name;
            }
            return names;
        }
    }
}
