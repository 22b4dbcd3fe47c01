using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Yaml
{
    /// <summary>
    /// Reads one YAML file with located diagnostics: every problem is collected as <c>file:line:column: message</c>
    /// (positions from the node at fault) so that a reader reports all of them at once instead of stopping at the
    /// first. Typed reads return null after reporting; the caller keeps the file's own keys, defaults and checks.
    /// </summary>
    public class YamlDocumentReader
    {
        public YamlDocumentReader(string file, YamlWording? wording = null)
        {
            File = file;
            Wording = wording ?? new YamlWording();
        }

        /// <summary>The file name messages start with.</summary>
        public string File { get; }
        public YamlWording Wording { get; }
        public List<YamlDiagnostic> Errors { get; } = new List<YamlDiagnostic>();
        public List<YamlDiagnostic> Warnings { get; } = new List<YamlDiagnostic>();

        /// <summary>What a key repeated in a map means; maps read by <see cref="Map"/> apply it.</summary>
        public RepeatedKeyRule RepeatedKeys { get; set; } = RepeatedKeyRule.Refuse;

        /// <summary>The root of the first document, or null with the error reported (empty text, invalid YAML, YAML
        /// beyond <see cref="GuardedYaml"/>'s limits).</summary>
        public YamlNode? Load(string text, string emptyMessage)
        {
            try
            {
                var stream = GuardedYaml.Load(text, parser => new RepeatedKeyParser(parser));
                if (stream.Documents.Count > 0) return stream.Documents[0].RootNode;
                Error(1, 1, DiagnosticCodes.Malformed, emptyMessage);
            }
            catch (YamlLimitException e)
            {
                Error((int)e.Start.Line, (int)e.Start.Column, DiagnosticCodes.Malformed, e.Message);
            }
            catch (YamlException e)
            {
                Error((int)e.Start.Line, (int)e.Start.Column, DiagnosticCodes.Malformed, "not valid YAML: " + e.Message);
            }
            return null;
        }

        /// <summary>
        /// Sets <paramref name="key"/> (dotted: a path of map keys, the last of repeated ones counting) to the YAML
        /// value <paramref name="text"/> under <paramref name="root"/>, creating maps on the way; messages name the
        /// new node "--set key=text". Returns an error message when a key on the way is a single value, else null.
        /// </summary>
        public string? Override(YamlMappingNode root, string key, string text)
        {
            YamlNode value;
            try
            {
                var stream = GuardedYaml.Load(text);
                value = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : new YamlScalarNode("");
            }
            catch (YamlException) { value = new YamlScalarNode(text); }
            Origins[value] = $"--set {key}={text}";
            var map = root;
            var path = key.Split('.');
            for (var i = 0; i < path.Length; i++)
            {
                // the entries of this key in the map, the last (the one PyYAML keeps) at the end
                var copies = map.Children.Keys.OfType<YamlScalarNode>()
                    .Where(k => k.Value == path[i] || (k.Value ?? "").StartsWith(path[i] + RepeatedKeyParser.Marker, StringComparison.Ordinal)).ToList();
                if (i == path.Length - 1)
                {
                    foreach (var copy in copies) map.Children.Remove(copy);
                    map.Children[new YamlScalarNode(path[i])] = value;
                    return null;
                }
                if (copies.Count == 0)
                {
                    var inner = new YamlMappingNode();
                    map.Children[new YamlScalarNode(path[i])] = inner;
                    map = inner;
                }
                else if (map.Children[copies[^1]] is YamlMappingNode next)
                {
                    map = next;
                }
                else
                {
                    return $"--set {key}={text}: '{string.Join(".", path.Take(i + 1))}' is a single value, not a map";
                }
            }
            return null;
        }

        /// <summary>
        /// The tree as PyYAML would hold it: every map keeps one entry per key, the last of repeated ones (in the
        /// place of the first), so that it saves without the loader's marks.
        /// </summary>
        public static YamlNode WithoutRepeats(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    var result = new YamlMappingNode();
                    foreach (var (key, value) in map.Children)
                    {
                        var name = key is YamlScalarNode k ? k.Value ?? "" : null;
                        var marker = name?.IndexOf(RepeatedKeyParser.Marker, StringComparison.Ordinal) ?? -1;
                        var resolvedKey = marker < 0 ? key : new YamlScalarNode(name!.Substring(0, marker));
                        result.Children[resolvedKey] = WithoutRepeats(value);
                    }
                    return result;
                case YamlSequenceNode list:
                    return new YamlSequenceNode(list.Children.Select(WithoutRepeats));
                default:
                    return node;
            }
        }

        /// <summary>Nodes reported as the wrong kind of value: any later error on one
        /// of them is a consequence of that one (a config that is a single word is
        /// not also missing each of its keys), so it is not reported again.</summary>
        private readonly HashSet<YamlNode> wrongKind = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);

        public void Error(int line, int column, string code, string message) =>
            Errors.Add(new YamlDiagnostic(File, line, column, code, Severity.Error, message));

        public void Error(YamlNode node, string code, string message)
        {
            if (!wrongKind.Contains(node)) Errors.Add(At(node, code, Severity.Error, message));
        }

        /// <summary>The node is not the kind of value expected: reported once, and nothing more about it.</summary>
        private void WrongKind(YamlNode node, string message)
        {
            Error(node, DiagnosticCodes.Malformed, message);
            wrongKind.Add(node);
        }

        /// <summary>A value the format does not accept.</summary>
        public void Error(YamlNode node, string message) => Error(node, DiagnosticCodes.InvalidValue, message);

        public void Warn(YamlNode node, string message) =>
            Warnings.Add(At(node, "", Severity.Warning, message));

        /// <summary>Nodes that did not come from the file (a command-line override),
        /// and what to call them instead.</summary>
        public Dictionary<YamlNode, string> Origins { get; } = new Dictionary<YamlNode, string>(ReferenceEqualityComparer.Instance);

        private YamlDiagnostic At(YamlNode node, string code, Severity severity, string message) =>
            Origins.TryGetValue(node, out var origin)
                ? new YamlDiagnostic(origin, 0, 0, code, severity, message)
                : new YamlDiagnostic(File, (int)node.Start.Line, (int)node.Start.Column, code, severity, message);

        /// <summary>An unknown key, with the closest known one.</summary>
        public void Unknown(YamlNode keyNode, string key, string where, IEnumerable<string> known) =>
            Error(keyNode, DiagnosticCodes.UnknownField, $"unknown key '{key}' in {where}: {Suggestions.Hint(key, known)}");

        /// <summary>The map's entries with name keys; other keys are reported.
        /// Null when the node is not a map.</summary>
        public YamlMap? Map(YamlNode node, string what)
        {
            if (node is not YamlMappingNode m)
            {
                WrongKind(node, Wording.Expected(what, "a map", node));
                return null;
            }
            var entries = new List<YamlEntry>();
            foreach (var kv in m.Children)
            {
                if (kv.Key is not YamlScalarNode k)
                {
                    Error(kv.Key, DiagnosticCodes.Malformed, $"{what}: a key must be a plain name");
                    continue;
                }
                var name = k.Value ?? "";
                var marker = name.IndexOf(RepeatedKeyParser.Marker, StringComparison.Ordinal);
                if (marker < 0)
                {
                    entries.Add(new YamlEntry(name, kv.Key, kv.Value));
                    continue;
                }
                name = name.Substring(0, marker);
                var first = entries.FindIndex(e => e.Key == name);
                var where = $"{what}: key '{name}' is repeated (first on line {entries[first].KeyNode.Start.Line})";
                if (RepeatedKeys == RepeatedKeyRule.Refuse)
                {
                    Error(kv.Key, DiagnosticCodes.Malformed, where + "; give each key once");
                }
                else
                {
                    Warn(kv.Key, where + ": the last value counts, as PyYAML reads the file");
                    entries[first] = new YamlEntry(name, kv.Key, kv.Value);
                }
            }
            return new YamlMap(this, m, what, entries);
        }

        public string? String(YamlNode node, string what)
        {
            if (node is YamlScalarNode s && !(Wording.EmptyStringIsMissing && string.IsNullOrEmpty(s.Value))) return s.Value ?? "";
            WrongKind(node, Wording.Expected(what, Wording.StringName, node));
            return null;
        }

        public int? Int(YamlNode node, string what) => Typed<int>(node, what, "an integer", YamlScalars.TryInt);
        public double? Float(YamlNode node, string what) => Typed<double>(node, what, "a number", YamlScalars.TryFloat);
        public bool? Bool(YamlNode node, string what) => Typed<bool>(node, what, "true or false", YamlScalars.TryBool);

        private delegate bool TryParse<T>(string text, out T value);

        private T? Typed<T>(YamlNode node, string what, string expected, TryParse<T> parse) where T : struct
        {
            string? text;
            if (node is YamlScalarNode tagged && YamlTags.Of(tagged) is { } tag)
                // an explicit tag decides, as PyYAML reads it: !!str is text, !!int, !!float and !!bool are values
                text = tag == YamlTags.Str ? null : tagged.Value ?? "";
            else if (Wording.PlainScalarsOnly) text = node is YamlScalarNode { Style: ScalarStyle.Plain } s ? s.Value ?? "" : null;
            else if ((text = String(node, what)) is null) return null;   // not a scalar: String reported it
            if (text is not null && parse(text, out var value)) return value;
            WrongKind(node, Wording.Expected(what, expected, node));
            return null;
        }

        /// <summary>One of named choices (in the order messages list them);
        /// an unknown name is reported with the closest one.</summary>
        public bool TryChoice<T>(YamlNode node, string what, IEnumerable<KeyValuePair<string, T>> choices, out T value)
        {
            value = default!;
            var v = String(node, what);
            if (v is null) return false;
            var wanted = Wording.ChoicesIgnoreCase ? v.ToLowerInvariant() : v;
            var all = choices.ToList();
            foreach (var c in all)
                if (c.Key == wanted) { value = c.Value; return true; }
            var names = all.Select(c => c.Key).ToList();
            Error(node, DiagnosticCodes.InvalidValue, $"{what}: '{v}' is not one of {string.Join(", ", names)}; {Suggestions.Hint(v, names)}");
            return false;
        }
    }
}
