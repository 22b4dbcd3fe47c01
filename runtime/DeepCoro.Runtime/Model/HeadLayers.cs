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

        public HeadLayers() : base("heads") { }

        /// <summary>Registers the Linear of head <paramref name="name"/> (in the plan's order).</summary>
        public void Add(string name, Linear layer)
        {
            register_module(name, layer);
            layers[name] = layer;
        }

        public Linear this[string name] => layers[name];
    }
}
