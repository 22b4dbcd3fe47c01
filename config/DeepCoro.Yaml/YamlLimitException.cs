using YamlDotNet.Core;

namespace DeepCoro.Yaml
{
    /// <summary>Valid YAML that exceeds what a config may hold (depth,
    /// nodes, alias expansion); located at the node at fault.</summary>
    public sealed class YamlLimitException : YamlException
    {
        public YamlLimitException(Mark at, string message) : base(at, at, message) { }
    }
}
