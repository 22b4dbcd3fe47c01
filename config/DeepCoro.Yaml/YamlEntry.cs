using YamlDotNet.RepresentationModel;

namespace DeepCoro.Yaml
{
    /// <summary>One key of a map with its key node (where key errors point) and its value.</summary>
    public readonly record struct YamlEntry(string Key, YamlNode KeyNode, YamlNode Value);
}
