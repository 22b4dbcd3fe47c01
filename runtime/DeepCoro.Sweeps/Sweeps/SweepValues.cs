using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using DeepCoro.Spec;
using DeepCoro.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Parameter values travel as JSON nodes (records are JSON) and are written into YAML configs. Plain YAML
    /// scalars are typed the way W&amp;B users expect: integers, numbers (1e-4 included), true/false, null; quoted
    /// scalars stay strings.
    /// </summary>
    public static class SweepValues
    {
        public static JsonNode? FromYaml(YamlNode node)
        {
            switch (node)
            {
                case YamlScalarNode s when s.Style == ScalarStyle.Plain:
                    var v = s.Value ?? "";
                    if (v == "" || v == "~" || v == "null" || v == "Null" || v == "NULL") return null;
                    if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return JsonValue.Create(i);
                    if (YamlScalars.TryFloat(v, out var d)) return JsonValue.Create(d);
                    if (YamlScalars.TryBool(v, out var b)) return JsonValue.Create(b);
                    return JsonValue.Create(v);
                case YamlScalarNode s:
                    return JsonValue.Create(s.Value ?? "");
                case YamlSequenceNode seq:
                    return new JsonArray(seq.Children.Select(FromYaml).ToArray());
                case YamlMappingNode map:
                    var o = new JsonObject();
                    foreach (var kv in map.Children) o[((YamlScalarNode)kv.Key).Value ?? ""] = FromYaml(kv.Value);
                    return o;
                default:
                    throw new DeepCoroUserException($"unsupported YAML node at line {node.Start.Line}");
            }
        }

        public static YamlNode ToYaml(JsonNode? value)
        {
            switch (value)
            {
                case null:
                    return new YamlScalarNode("null") { Style = ScalarStyle.Plain };
                case JsonArray a:
                    var seq = new YamlSequenceNode(a.Select(ToYaml)) { Style = SequenceStyle.Flow };
                    return seq;
                case JsonObject o:
                    var map = new YamlMappingNode();
                    foreach (var kv in o) map.Add(new YamlScalarNode(kv.Key), ToYaml(kv.Value));
                    return map;
                default:
                    var text = Format(value);
                    var plain = value.GetValueKind() != System.Text.Json.JsonValueKind.String || LooksLikeName(text);
                    return new YamlScalarNode(text) { Style = plain ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
            }
        }

        /// <summary>A value as a person reads it: shortest round-trip numbers, strings unquoted.</summary>
        public static string Format(JsonNode? value)
        {
            if (value is null) return "null";
            if (value is JsonValue v)
            {
                if (v.TryGetValue<long>(out var l)) return l.ToString(CultureInfo.InvariantCulture);
                if (v.TryGetValue<int>(out var i)) return i.ToString(CultureInfo.InvariantCulture);
                if (v.TryGetValue<double>(out var d)) return FormatFloat(d);
                if (v.TryGetValue<bool>(out var b)) return b ? "true" : "false";
                if (v.TryGetValue<string>(out var str)) return str;
            }
            return value.ToJsonString();
        }

        /// <summary>
        /// Shortest round-trip digits in the form YAML 1.1 readers (PyYAML, so the reference's scripts) take for a
        /// float: a dot in the mantissa and a signed exponent (1.0e-05; PyYAML reads 1e-05 as a string, 2 as an int).
        /// </summary>
        public static string FormatFloat(double d)
        {
            if (double.IsNaN(d)) return ".nan";
            if (double.IsInfinity(d)) return d > 0 ? ".inf" : "-.inf";
            var s = d.ToString("R", CultureInfo.InvariantCulture);
            var e = s.IndexOfAny(new[] { 'E', 'e' });
            var mantissa = e < 0 ? s : s[..e];
            if (!mantissa.Contains('.')) mantissa += ".0";
            if (e < 0) return mantissa;
            var exponent = s[(e + 1)..];
            return mantissa + "e" + (exponent.StartsWith('-') || exponent.StartsWith('+') ? exponent : "+" + exponent);
        }

        public static bool TryNumber(JsonNode? value, out double number)
        {
            number = 0;
            if (value is not JsonValue v) return false;
            if (v.TryGetValue<long>(out var l)) { number = l; return true; }
            if (v.TryGetValue<int>(out var i)) { number = i; return true; }
            if (v.TryGetValue<double>(out var d)) { number = d; return true; }
            return false;
        }

        public static bool IsInteger(JsonNode? value) =>
            value is JsonValue v && (v.TryGetValue<long>(out _) || v.TryGetValue<int>(out _));

        public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

        /// <summary>Plain-safe strings: names that YAML would not read as a number, bool or null.</summary>
        private static bool LooksLikeName(string s) =>
            s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '-' || c == '+' || c == '.' || c == '/')
            && FromYaml(new YamlScalarNode(s)) is JsonValue jv && jv.GetValueKind() == System.Text.Json.JsonValueKind.String;
    }
}
