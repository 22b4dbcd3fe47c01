using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// One pooling level: reduces x [M, S, W] over S to [M, W]. <c>valid</c> [M, S] (True = real instance) is given
    /// only when S is the masked axis. A row with no valid instance gets a finite result, documented per pool.
    /// </summary>
    public interface IInstancePool
    {
        Tensor Pool(Tensor x, Tensor? valid, bool training);
    }
}
