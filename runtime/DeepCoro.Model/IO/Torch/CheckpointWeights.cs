using System.Collections.Generic;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// The MIL model's tensors of a .pt file under this project's keys; the video encoder's keys it skipped; the
    /// epoch a DeepCORO_CLIP checkpoint records; whether the file is one (rather than a bare state_dict).
    /// </summary>
    public sealed record CheckpointWeights(
        string Source,
        OrderedDictionary<string, Tensor> Tensors,
        IReadOnlyList<string> EncoderKeys,
        long? Epoch,
        bool FromReferenceRunner);
}
