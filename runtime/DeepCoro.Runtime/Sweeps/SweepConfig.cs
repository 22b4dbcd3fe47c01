using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using DeepCoro.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The base training config and where each swept parameter goes in it. A dotted name is a path of keys
    /// (head_lr.cathEF). It lands at that path from the top when the path exists there; else at the one place in the
    /// config where it exists (pooling_mode -> model_config.pooling_mode); a name found in several places is an error;
    /// a name found nowhere is added from the top (and reported), for the trial's config check to accept or reject.
    /// Trial configs live in the sweep directory, so relative paths under the training config's path keys
    /// (manifest, root, model, data_filename) are made absolute against the base config's folder.
    /// </summary>
    public sealed class SweepConfig
    {
        private static readonly string[] PathKeys = { "manifest", "root", "model", "data_filename" };
        private readonly string baseText;
        private readonly string baseDir;
        private readonly Dictionary<string, string[]> targets = new Dictionary<string, string[]>();

        public IReadOnlyList<string> Notes { get; }

        public SweepConfig(string baseFile, string baseDir, string baseText, IEnumerable<SweepParameter> parameters)
        {
            this.baseText = baseText;
            this.baseDir = baseDir;
            var root = ParseRoot(baseFile, baseText);
            var notes = new List<string>();
            var errors = new List<string>();
            foreach (var p in parameters)
            {
                var segments = p.Name.Split('.');
                if (Follow(root, segments) is not null) { targets[p.Name] = segments; continue; }
                var found = new List<string[]>();
                Search(root, new List<string>(), segments, found);
                if (found.Count == 1) targets[p.Name] = found[0];
                else if (found.Count > 1)
                    errors.Add($"sweep parameter '{p.Name}' matches several keys of {baseFile}: {string.Join(", ", found.Select(f => string.Join(".", f)))}; name one in full");
                else
                {
                    var blocker = Blocker(root, segments);
                    if (blocker != null) errors.Add($"sweep parameter '{p.Name}': '{blocker}' is a single value in {baseFile}, not a map");
                    else { targets[p.Name] = segments; notes.Add($"sweep parameter '{p.Name}' is not in {baseFile}; trials set it at the top level"); }
                }
            }
            if (errors.Count > 0) throw new ArgumentException(string.Join("\n", errors));
            Notes = notes;
        }

        public string TargetOf(string parameter) => string.Join(".", targets[parameter]);

        /// <summary>The base config with <paramref name="values"/> set, as YAML text.</summary>
        public string Merge(JsonObject values, string header)
        {
            var root = ParseRoot("base", baseText);
            AbsolutePaths(root);
            foreach (var kv in values)
            {
                var path = targets[kv.Key];
                var map = root;
                for (int i = 0; i < path.Length - 1; i++)
                {
                    var key = new YamlScalarNode(path[i]);
                    if (!map.Children.TryGetValue(key, out var next)) { next = new YamlMappingNode(); map.Children[key] = next; }
                    map = (YamlMappingNode)next;
                }
                map.Children[new YamlScalarNode(path[^1])] = SweepValues.ToYaml(kv.Value);
            }
            var writer = new StringWriter();
            writer.WriteLine("# " + header);
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
            var text = writer.ToString();
            // YamlDotNet closes the document with "...": drop it so the file reads like a hand-written config
            return text.EndsWith("...\n") ? text[..^4] : text.Replace("\r\n...\r\n", "\r\n");
        }

        /// <summary>The merged config as JSON, for the trial record.</summary>
        public static JsonNode? ToJson(string yaml) => SweepValues.FromYaml(ParseRoot("trial", yaml));

        private static YamlMappingNode ParseRoot(string file, string text)
        {
            YamlStream stream;
            try { stream = GuardedYaml.Load(text); }
            catch (YamlLimitException e) { throw new ArgumentException($"{file}:{e.Start.Line}:{e.Start.Column}: {e.Message}"); }
            catch (YamlException e) { throw new ArgumentException($"{file}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message}"); }
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
                throw new ArgumentException($"{file}: the base config must be a map of keys");
            return root;
        }

        private void AbsolutePaths(YamlMappingNode map)
        {
            foreach (var kv in map.Children.ToList())
            {
                if (kv.Value is YamlMappingNode child) AbsolutePaths(child);
                else if (kv.Key is YamlScalarNode { Value: string key } && PathKeys.Contains(key)
                         && kv.Value is YamlScalarNode { Value: string path } scalar && path != "" && !Path.IsPathRooted(path))
                    map.Children[kv.Key] = new YamlScalarNode(Path.GetFullPath(Path.Combine(baseDir, path))) { Style = scalar.Style };
            }
        }

        private static YamlNode? Follow(YamlMappingNode from, IReadOnlyList<string> segments)
        {
            YamlNode node = from;
            foreach (var s in segments)
            {
                if (node is not YamlMappingNode m || !m.Children.TryGetValue(new YamlScalarNode(s), out var next)) return null;
                node = next;
            }
            return node;
        }

        private static void Search(YamlMappingNode node, List<string> at, string[] segments, List<string[]> found)
        {
            if (at.Count > 0 && Follow(node, segments) is not null) found.Add(at.Concat(segments).ToArray());
            foreach (var kv in node.Children)
                if (kv.Value is YamlMappingNode child && kv.Key is YamlScalarNode k)
                {
                    at.Add(k.Value!);
                    Search(child, at, segments, found);
                    at.RemoveAt(at.Count - 1);
                }
        }

        /// <summary>The first prefix of the path that exists as a scalar from the top (head_lr: 5e-4 blocks head_lr.cathEF).</summary>
        private static string? Blocker(YamlMappingNode root, string[] segments)
        {
            for (int i = 1; i < segments.Length; i++)
                if (Follow(root, segments[..i]) is YamlNode n && n is not YamlMappingNode) return string.Join(".", segments[..i]);
            return null;
        }
    }
}
