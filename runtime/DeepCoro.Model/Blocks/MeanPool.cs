using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>Mean over the valid instances; a row with none gives zeros.</summary>
    public sealed class MeanPool : IInstancePool
    {
        public Tensor Pool(Tensor x, Tensor? valid, bool training)
        {
            x = TokenPrecision.Float32(x);
            if (valid is null) return x.mean(new long[] { 1 });
            var weights = valid.to(x.dtype);
            var count = weights.sum(1, keepdim: true).clamp_min(Constants.One);
            return weights.unsqueeze(1).matmul(x).squeeze(1) / count;
        }
    }
}
