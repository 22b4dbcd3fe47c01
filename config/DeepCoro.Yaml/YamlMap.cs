using System.Collections.Generic;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Yaml
{
    /// <summary>A YAML map whose keys are names, read by a
    /// <see cref="YamlDocumentReader"/> that collects its errors.</summary>
    public sealed class YamlMap
    {
        private readonly YamlDocumentReader reader;

        internal YamlMap(YamlDocumentReader reader, YamlMappingNode node, string what, IReadOnlyList<YamlEntry> entries)
        {
            this.reader = reader;
            Node = node;
            What = what;
            Entries = entries;
        }

        public YamlMappingNode Node { get; }

        /// <summary>How messages name the map ("the config", "data", ...).</summary>
        public string What { get; }

        /// <summary>Every entry with a name key, in file order (keys are unique:
        /// the loader rejects repeated ones).</summary>
        public IReadOnlyList<YamlEntry> Entries { get; }

        /// <summary>The first entry of a key, if any.</summary>
        public YamlEntry? Find(string key) => Entries.Where(e => e.Key == key).Select(e => (YamlEntry?)e).FirstOrDefault();

        /// <summary>The entries of known keys; unknown keys are reported with the closest known one and left out.
        /// <paramref name="where"/> names the map in these messages (default <see cref="What"/>).</summary>
        public IReadOnlyList<YamlEntry> Known(IReadOnlyCollection<string> keys, string? where = null)
        {
            var kept = new List<YamlEntry>();
            foreach (var e in Entries)
            {
                if (keys.Contains(e.Key)) kept.Add(e);
                else reader.Unknown(e.KeyNode, e.Key, where ?? What, keys);
            }
            return kept;
        }
    }
}
