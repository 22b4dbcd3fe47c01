using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>Feature-wise max over the valid instances; a row
    /// with none gives zeros (the reference gives NaN).</summary>
    public sealed class MaxPool : IInstancePool
    {
        public Tensor Pool(Tensor x, Tensor? valid, bool training)
        {
            x = TokenPrecision.Float32(x);
            if (valid is null) return x.amax(new long[] { 1 });
            var pooled = x.masked_fill(valid.logical_not().unsqueeze(-1), Constants.NegativeInfinity).amax(new long[] { 1 });
            return where(valid.any(1, keepdim: true), pooled, zeros_like(pooled));
        }
    }
}
