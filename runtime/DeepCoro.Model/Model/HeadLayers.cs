using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// One Linear per head, registered under "heads" so the keys read heads.&lt;name&gt;.weight as in the reference.
    /// A plain module rather than TorchSharp's ModuleDict, whose reflection makes Module.to(device or dtype) throw
    /// in 0.107 ("An item with the same key has already been added. Key: Item").
    /// </summary>
    public sealed class HeadLayers : torch.nn.Module
    {
        private readonly Dictionary<string, (Linear Layer, double Dropout)> layers = new();

        public HeadLayers() : base("heads") { }

        /// <summary>Registers the Linear of head <paramref name="name"/>
        /// (in the plan's order) and the dropout before it.</summary>
        public void Add(string name, Linear layer, double dropout)
        {
            register_module(name, layer);
            layers[name] = (layer, dropout);
        }

        public Linear this[string name] => layers[name].Layer;

        /// <summary>Head <paramref name="name"/> on the pooled vector, dropping features first in training.</summary>
        public Tensor Forward(string name, Tensor pooled, bool training)
        {
            var (layer, dropout) = layers[name];
            return layer.forward(dropout > 0 ? torch.nn.functional.dropout(pooled, dropout, training) : pooled);
        }
    }
}
