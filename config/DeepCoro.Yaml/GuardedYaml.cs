using System;
using System.Collections.Generic;
using System.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Yaml
{
    /// <summary>
    /// The one way YAML is loaded here. The text is first read as a stream of events (YamlDotNet's parser keeps its
    /// own stack, so any depth is safe there) and refused when it nests too deep (the node tree is built, and walked,
    /// recursively: 100 k levels overflowed the stack), holds too many nodes, or holds aliases that expand to too
    /// many (a 1 KB "billion laughs" file otherwise grows without bound in whatever walks or copies the tree).
    /// Configs and sweep files are far below every limit.
    /// </summary>
    public static class GuardedYaml
    {
        public const int MaxDepth = 64;
        public const int MaxNodes = 100_000;
        /// <summary>Nodes a reader visits with every alias replaced by the node it names.</summary>
        public const long MaxExpandedNodes = 100_000;

        /// <summary>Loads every document of <paramref name="text"/>, read through <paramref name="through"/> when
        /// given (a parser that rewrites events); a <see cref="YamlException"/> (or its
        /// <see cref="YamlLimitException"/>) when it is not valid YAML or exceeds a limit.</summary>
        public static YamlStream Load(string text, Func<IParser, IParser>? through = null)
        {
            Check(text);
            var stream = new YamlStream();
            IParser parser = new Parser(new StringReader(text));
            stream.Load(through is null ? parser : through(parser));
            return stream;
        }

        private static void Check(string text)
        {
            var parser = new Parser(new StringReader(text));
            var sizes = new Dictionary<string, long>();
            // each open map or sequence: its anchor and the expanded count when it started
            var open = new Stack<(AnchorName Anchor, long Start)>();
            long nodes = 0, expanded = 0;
            var at = Mark.Empty;
            while (Next(parser, at))
            {
                var e = parser.Current!;
                at = e.End;
                switch (e)
                {
                    case MappingStart or SequenceStart:
                        if (open.Count == MaxDepth) throw new YamlLimitException(e.Start, $"nested deeper than {MaxDepth} levels; a config needs a few");
                        open.Push((((NodeEvent)e).Anchor, expanded));
                        Count(e, 1);
                        break;
                    case MappingEnd or SequenceEnd:
                        var (anchor, start) = open.Pop();
                        if (!anchor.IsEmpty) sizes[anchor.Value] = expanded - start;
                        break;
                    case Scalar s:
                        Count(e, 1);
                        if (!s.Anchor.IsEmpty) sizes[s.Anchor.Value] = 1;
                        break;
                    case AnchorAlias a:
                        Count(e, sizes.TryGetValue(a.Value.Value, out var size) ? size : 1);
                        break;
                }
            }

            void Count(ParsingEvent e, long expansion)
            {
                if (++nodes > MaxNodes) throw new YamlLimitException(e.Start, $"more than {MaxNodes} nodes; a config holds far fewer");
                expanded += expansion;
                if (expanded > MaxExpandedNodes)
                    throw new YamlLimitException(e.Start, $"aliases expand to more than {MaxExpandedNodes} nodes; write the values out, or alias less");
            }
        }

        /// <summary>The parser's next event. YamlDotNet's scanner throws InvalidOperationException on some malformed
        /// text instead of a YamlException; that becomes one too, located after the last event read.</summary>
        private static bool Next(Parser parser, Mark after)
        {
            try { return parser.MoveNext(); }
            catch (System.InvalidOperationException) { throw new YamlException(after, after, "unreadable text after this point"); }
        }
    }
}
