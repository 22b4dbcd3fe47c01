using System.Collections.Generic;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Paths of keys in a YAML config tree, for key spaces
    /// that find a parameter where the base config has it.</summary>
    public static class YamlKeyTree
    {
        /// <summary>The node at <paramref name="path"/> below <paramref name="from"/>, or null.</summary>
        public static YamlNode? Follow(YamlMappingNode from, IReadOnlyList<string> path)
        {
            YamlNode node = from;
            foreach (var s in path)
            {
                if (node is not YamlMappingNode m || !m.Children.TryGetValue(new YamlScalarNode(s), out var next)) return null;
                node = next;
            }
            return node;
        }

        /// <summary>Every full path, below the top, that ends with
        /// <paramref name="path"/> (pooling_mode -> model_config.pooling_mode).</summary>
        public static IReadOnlyList<string[]> FindBelowTop(YamlMappingNode root, IReadOnlyList<string> path)
        {
            var found = new List<string[]>();
            Search(root, new List<string>(), path, found);
            return found;
        }

        /// <summary>The first proper prefix of <paramref name="path"/> that
        /// is a single value (head_lr: 5e-4 blocks head_lr.cathEF).</summary>
        public static string? Blocker(YamlMappingNode root, IReadOnlyList<string> path)
        {
            for (var i = 1; i < path.Count; i++)
                if (Follow(root, path.Take(i).ToList()) is YamlNode n && n is not YamlMappingNode) return string.Join(".", path.Take(i));
            return null;
        }

        private static void Search(YamlMappingNode node, List<string> at, IReadOnlyList<string> path, List<string[]> found)
        {
            if (at.Count > 0 && Follow(node, path) is not null) found.Add(at.Concat(path).ToArray());
            foreach (var kv in node.Children)
            {
                if (kv.Value is YamlMappingNode child && kv.Key is YamlScalarNode k)
                {
                    at.Add(k.Value!);
                    Search(child, at, path, found);
                    at.RemoveAt(at.Count - 1);
                }
            }
        }
    }
}
