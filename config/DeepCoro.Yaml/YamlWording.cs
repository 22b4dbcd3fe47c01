using System;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Yaml
{
    /// <summary>
    /// How one file format words and reads its values. The formats' messages are part of their contracts (tests
    /// assert them), so the reader takes each format's phrasing rather than imposing one.
    /// </summary>
    public sealed class YamlWording
    {
        /// <summary>A value of the wrong kind: (what, expected, the node found)
        /// -> message. <c>expected</c> is "an integer",
        /// "a number", "true or false", "a map" or <see cref="StringName"/>.</summary>
        public Func<string, string, YamlNode, string> Expected { get; init; } = (what, expected, _) => $"{what}: expected {expected}";

        /// <summary>What a string value is called in <see cref="Expected"/>.</summary>
        public string StringName { get; init; } = "a string";

        /// <summary>Whether an empty scalar counts as no string (for names, which cannot be empty).</summary>
        public bool EmptyStringIsMissing { get; init; }

        /// <summary>Whether numbers and booleans must be unquoted: a quoted "512" then stays a string.</summary>
        public bool PlainScalarsOnly { get; init; }

        /// <summary>Whether choices match case-insensitively (the names themselves are lower case).</summary>
        public bool ChoicesIgnoreCase { get; init; }
    }
}
