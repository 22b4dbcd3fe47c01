using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// What a probe consumes: x [B, axes..., D] float32, an optional mask [B, axes[0]] (bool, True = valid
    /// instance) and optional view ids [B, axes[0]] (int64 in [0, V]; V is the padding id).
    /// </summary>
    public sealed record ModelInput(Tensor X, Tensor? Mask = null, Tensor? ViewIds = null);
}
