using System.Collections.Generic;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DeepCoro.Yaml
{
    /// <summary>
    /// Passes a YAML parser's events through, renaming a key that repeats in its map (<c>head_lr</c> a second time
    /// becomes <c>head_lr</c> + <see cref="Marker"/> + 2), so that the representation model loads the file and the
    /// map reader decides what a repeated key means: an error, or PyYAML's rule (the last one counts) with a warning.
    /// </summary>
    internal sealed class RepeatedKeyParser : IParser
    {
        /// <summary>Separates a repeated key from its occurrence number; no key of a config can hold it.</summary>
        public const string Marker = "\u0000#";

        private readonly IParser inner;
        private readonly Stack<Frame> frames = new Stack<Frame>();
        private ParsingEvent? current;

        /// <summary>A collection being read: a map expects a key next or a value,
        /// and counts the keys it has seen.</summary>
        private sealed class Frame
        {
            public bool IsMap;
            public bool ExpectKey = true;
            public readonly Dictionary<string, int> Seen = new Dictionary<string, int>();
        }

        public RepeatedKeyParser(IParser inner) { this.inner = inner; }

        public ParsingEvent? Current => current;

        public bool MoveNext()
        {
            if (!inner.MoveNext()) { current = null; return false; }
            current = inner.Current;
            switch (current)
            {
                case MappingStart:
                case SequenceStart:
                    frames.Push(new Frame { IsMap = current is MappingStart });
                    break;
                case MappingEnd:
                case SequenceEnd:
                    frames.Pop();
                    NodeDone();
                    break;
                case Scalar scalar:
                    if (frames.Count > 0 && frames.Peek() is { IsMap: true, ExpectKey: true } map)
                    {
                        map.Seen.TryGetValue(scalar.Value, out var count);
                        map.Seen[scalar.Value] = ++count;
                        if (count > 1)
                        {
                            current = new Scalar(scalar.Anchor, scalar.Tag, scalar.Value + Marker + count, scalar.Style,
                                scalar.IsPlainImplicit, scalar.IsQuotedImplicit, scalar.Start, scalar.End, scalar.IsKey);
                        }
                    }
                    NodeDone();
                    break;
                case AnchorAlias:
                    NodeDone();
                    break;
            }
            return true;
        }

        /// <summary>A whole node was read in the current collection: in a map, keys and values alternate.</summary>
        private void NodeDone()
        {
            if (frames.Count > 0 && frames.Peek().IsMap) frames.Peek().ExpectKey = !frames.Peek().ExpectKey;
        }
    }
}
