using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// Gated attention (Ilse et al. 2018): score = w(tanh(V x) * sigmoid(U x)), softmax over the valid instances,
    /// dropout on the weights, weighted sum. A row with no valid instance pools to zeros (the reference gives NaN).
    /// </summary>
    public sealed class GatedAttentionPool : IInstancePool
    {
        private readonly Linear v, u, w;
        private readonly double dropout;

        public GatedAttentionPool(Linear v, Linear u, Linear w, double dropout)
        {
            this.v = v; this.u = u; this.w = w; this.dropout = dropout;
        }

        public Tensor Pool(Tensor x, Tensor? valid, bool training)
        {
            x = TokenPrecision.Float32(x);
            var scores = w.forward(v.forward(x).tanh() * u.forward(x).sigmoid()).squeeze(-1);   // [m, s]
            Tensor? anyValid = null;
            if (valid is not null)
            {
                anyValid = valid.any(1, keepdim: true);
                // Empty rows keep finite scores so that neither softmax
                // nor its gradient sees NaN; they are zeroed below.
                scores = scores.masked_fill(valid.logical_not().logical_and(anyValid), Constants.NegativeInfinity);
            }
            var a = F.dropout(F.softmax(scores, 1), dropout, training);
            if (anyValid is not null) a = a * anyValid;
            return a.unsqueeze(1).matmul(x).squeeze(1);
        }
    }
}
