using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// A video encoder's forward: frames [B, 3, T, H, W] to tokens [B, L, D] (or [B, D]). `embed` needs only this,
    /// so it runs a TorchScript file through TorchSharp (<see cref="ScriptedEncoder"/>) or an ONNX file through ONNX
    /// Runtime (<see cref="OnnxEncoder"/>); fine-tuning needs autograd and the cut methods, so TorchScript only.
    /// </summary>
    public interface ITokenEncoder : IDisposable
    {
        string Path { get; }
        /// <summary>3, frames, height, width the encoder was exported for; null when the file does not say.</summary>
        IReadOnlyList<long>? InputShape { get; }
        /// <summary>The first 16 hex digits of the file's SHA-256: files made from an encoder record it.</summary>
        string Digest { get; }
        /// <summary>Where the frames must be for <see cref="Tokens"/>.</summary>
        Device Device { get; }
        /// <summary>x [B, 3, T, H, W] -> [B, L, D] or [B, D]; a TorchScript module runs in the mode its caller
        /// set (EncodingJob: eval, without gradients).</summary>
        Tensor Tokens(Tensor x);
    }
}
