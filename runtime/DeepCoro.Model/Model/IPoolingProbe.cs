using System.Collections.Generic;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// A probe whose pooled vector (the study embedding every head reads) can be taken before its heads: the probe
    /// itself, or an encoder's trainable rest followed by it.
    /// </summary>
    public interface IPoolingProbe
    {
        /// <summary>The module, for what every module does (modes, devices, parameters).</summary>
        nn.Module<ModelInput, OrderedDictionary<string, Tensor>> Module { get; }

        /// <summary>The pooling model (itself, or the probe under an encoder's top),
        /// whose attention telemetry reads.</summary>
        MilModel Pooling { get; }

        /// <summary>The pooled vector [B, W] of an input.</summary>
        Tensor Pool(ModelInput input);

        /// <summary>Every head on a pooled vector, in the spec's order.</summary>
        OrderedDictionary<string, Tensor> Heads(Tensor pooled);
    }
}
