using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using DeepCoro.Spec;
using DeepCoro.Yaml;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The base config and where each swept parameter goes in it. W&amp;B run settings (name, project, entity, ...)
    /// are never swept: W&amp;B uses them for the run, not the trainer, and they would collide with keys such as
    /// optimizer.name. Every other parameter goes through the base layout's key space; all errors are gathered and
    /// thrown together, before any trial exists. A trial config is the base with the sampled values written at their
    /// paths, in the base's own layout; relative paths under the key space's path keys are made absolute.
    /// </summary>
    public sealed class SweepConfig
    {
        /// <summary>wandb.init's run settings, which sweep files set as parameters to name their runs.</summary>
        public static readonly IReadOnlyList<string> RunSettings = new[] { "name", "project", "entity", "group", "job_type", "tags", "notes" };

        private readonly string baseText;
        private readonly string baseDir;
        private readonly IParameterKeySpace keySpace;
        private readonly Dictionary<string, IReadOnlyList<string>> targets = new Dictionary<string, IReadOnlyList<string>>();

        /// <summary>The sweep with only the parameters that are swept: what the search explores.</summary>
        public SweepDefinition Sweep { get; }

        /// <summary>Each parameter of the sweep file with what the key space said of it, in file order.</summary>
        public IReadOnlyList<(SweepParameter Parameter, KeyResolution Resolution)> Resolutions { get; }

        /// <summary>Parameters left out of the search, one line per reason;
        /// notes on where swept ones landed.</summary>
        public IReadOnlyList<string> Warnings { get; }

        public SweepConfig(SweepDefinition sweep, string baseFile, string baseDir, string baseText, IParameterKeySpace keySpace)
        {
            this.baseText = baseText;
            this.baseDir = baseDir;
            this.keySpace = keySpace;
            ParseRoot(baseFile, baseText);
            var resolutions = Resolve(sweep, keySpace);
            var errors = resolutions.Where(r => r.Resolution.Kind == KeyResolutionKind.Error).Select(r => $"{r.Parameter.Where}: {r.Resolution.Message}").ToList();
            var swept = resolutions.Where(r => r.Resolution.Kind == KeyResolutionKind.Swept).Select(r => r.Parameter).ToList();
            if (errors.Count == 0 && swept.Count == 0)
                errors.Add($"{sweep.File}: no parameter is left to sweep against {baseFile} ({keySpace.Layout})");
            if (errors.Count > 0) throw new DeepCoroUserException(string.Join("\n", errors));
            foreach (var (p, r) in resolutions.Where(r => r.Resolution.Kind == KeyResolutionKind.Swept)) targets[p.Name] = r.Path;
            var warnings = resolutions.Where(r => r.Resolution.Kind == KeyResolutionKind.NotSwept).GroupBy(r => r.Resolution.Message)
                .Select(g => $"{sweep.File}: warning: not swept: {string.Join(", ", g.Select(r => $"{r.Parameter.Name} (line {r.Parameter.Line})"))}: {g.Key}")
                .Concat(resolutions.Where(r => r.Resolution.Kind == KeyResolutionKind.Swept && r.Resolution.Message is not null)
                                   .Select(r => $"{r.Parameter.Where}: note: {r.Resolution.Message}"))
                .ToList();
            Warnings = warnings;
            Resolutions = resolutions;
            Sweep = sweep with { Parameters = swept };
        }

        /// <summary>What becomes of each parameter of <paramref name="sweep"/> against a base of <paramref
        /// name="keySpace"/>, errors included.</summary>
        public static IReadOnlyList<(SweepParameter Parameter, KeyResolution Resolution)> Resolve(SweepDefinition sweep, IParameterKeySpace keySpace) =>
            sweep.Parameters.Select(p => (p, RunSettings.Contains(p.Name)
                ? KeyResolution.NotSwept("W&B run settings (they name the W&B run), not training keys")
                : keySpace.Resolve(p.Name))).ToList();

        /// <summary>The base config with <paramref name="values"/> set, as YAML text in the base's layout.</summary>
        public string Merge(JsonObject values, string header)
        {
            var root = ParseRoot("base", baseText);
            AbsolutePaths(root, baseDir, keySpace.PathKeys);
            foreach (var kv in values)
            {
                var path = targets[kv.Key];
                var map = root;
                for (var i = 0; i < path.Count - 1; i++)
                {
                    var key = new YamlScalarNode(path[i]);
                    if (!map.Children.TryGetValue(key, out var next) || next is not YamlMappingNode)
                    {
                        next = new YamlMappingNode();
                        map.Children[key] = next;
                    }
                    map = (YamlMappingNode)next;
                }
                map.Children[new YamlScalarNode(path[^1])] = SweepValues.ToYaml(kv.Value);
            }
            return Text(root, header);
        }

        /// <summary>
        /// A config with the relative paths under <paramref name="pathKeys"/> made absolute against
        /// <paramref name="baseDir"/>, so that a copy elsewhere (a trial, a run's own copy) reads the same files.
        /// </summary>
        public static string WithAbsolutePaths(string file, string baseDir, string text, IReadOnlyCollection<string> pathKeys, string header)
        {
            var root = ParseRoot(file, text);
            AbsolutePaths(root, baseDir, pathKeys);
            return Text(root, header);
        }

        private static string Text(YamlMappingNode root, string header)
        {
            var writer = new StringWriter();
            writer.WriteLine("# " + header);
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
            var text = writer.ToString();
            // YamlDotNet closes the document with "...": drop it so the file reads like a hand-written config
            return text.EndsWith("...\n") ? text[..^4] : text.Replace("\r\n...\r\n", "\r\n");
        }

        /// <summary>
        /// A base config's root map read as PyYAML reads it (DeepCORO_CLIP's files repeat keys: the last value
        /// counts), or a DeepCoroUserException naming the file, line and problem.
        /// </summary>
        public static YamlMappingNode ParseRoot(string file, string text)
        {
            var reader = new YamlDocumentReader(file);
            var node = reader.Load(text, "the base config is empty");
            if (node is null) throw new DeepCoroUserException(string.Join("; ", reader.Errors.Select(e => e.ToString())));
            if (YamlDocumentReader.WithoutRepeats(node) is not YamlMappingNode root)
                throw new DeepCoroUserException($"{file}: the base config must be a map of keys");
            return root;
        }

        private static void AbsolutePaths(YamlMappingNode map, string baseDir, IReadOnlyCollection<string> pathKeys)
        {
            foreach (var kv in map.Children.ToList())
            {
                if (kv.Value is YamlMappingNode child)
                {
                    AbsolutePaths(child, baseDir, pathKeys);
                }
                else if (kv.Key is YamlScalarNode { Value: string key } && pathKeys.Contains(key)
                         && kv.Value is YamlScalarNode { Value: string path } scalar && path != "" && !Path.IsPathRooted(path))
                {
                    map.Children[kv.Key] = new YamlScalarNode(Path.GetFullPath(Path.Combine(baseDir, path))) { Style = scalar.Style, Tag = scalar.Tag };
                }
            }
        }
    }
}
