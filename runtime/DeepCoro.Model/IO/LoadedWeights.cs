using System.Collections.Generic;

namespace DeepCoro.Runtime.IO
{
    /// <summary>
    /// What loading weights into a model found: how many tensors it copied, the keys it did not use (a
    /// DeepCORO_CLIP checkpoint's video encoder), the checkpoint's epoch, and warnings (weights that fit the model
    /// but were trained in a model built differently).
    /// </summary>
    public sealed record LoadedWeights(string Source, int TensorCount, IReadOnlyList<string> UnusedKeys, long? Epoch, IReadOnlyList<string> Warnings);
}
