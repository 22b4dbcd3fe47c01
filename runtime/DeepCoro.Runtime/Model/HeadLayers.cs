using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// One Linear per head, registered under "heads" so the keys read heads.&lt;name&gt;.weight as in the reference.
    /// A plain module rather than TorchSharp's ModuleDict, whose reflection makes Module.to(device or dtype) throw
    /// in 0.107 ("An item with the same key has already been added. Key: Item").
    /// </summary>
    public sealed class HeadLayers : torch.nn.Module
    {
        private readonly Dictionary<string, Linear> layers = new();

        /// <param name="heads">Head names and output counts, in the spec's order.</param>
        /// <param name="width">The pooled width the heads read.</param>
        public HeadLayers(IEnumerable<(string Name, int Outputs)> heads, int width) : base("heads")
        {
            foreach (var (name, outputs) in heads)
            {
                var layer = ModelParts.Linear(width, outputs);
                register_module(name, layer);
                layers[name] = layer;
            }
        }

        public Linear this[string name] => layers[name];
    }
}
