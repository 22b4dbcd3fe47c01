using YamlDotNet.RepresentationModel;

namespace DeepCoro.Yaml
{
    /// <summary>The YAML core tags a config may write explicitly (<c>!!str</c>,
    /// <c>!!int</c>, <c>!!float</c>, <c>!!bool</c>).</summary>
    public static class YamlTags
    {
        public const string Str = "tag:yaml.org,2002:str";
        public const string Int = "tag:yaml.org,2002:int";
        public const string Float = "tag:yaml.org,2002:float";
        public const string Bool = "tag:yaml.org,2002:bool";

        /// <summary>The node's explicit core tag, or null when it has none (or another one).</summary>
        public static string? Of(YamlScalarNode node)
        {
            if (node.Tag.IsEmpty || node.Tag.IsNonSpecific) return null;
            var tag = node.Tag.Value;
            return tag is Str or Int or Float or Bool ? tag : null;
        }
    }
}
