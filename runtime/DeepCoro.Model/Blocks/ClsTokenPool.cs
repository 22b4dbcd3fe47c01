using System;
using DeepCoro.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// A learnable cls token attending over the S instances of each row, as DeepCORO_CLIP's cls_token pooling:
    /// seq = [cls; x], (pre-norm) LN, multi-head attention, (post-norm) LN, dropout, keep the cls row.
    /// No residual, no feed-forward. A row with every instance masked gets the cls token attending to itself.
    /// </summary>
    public sealed class ClsTokenPool : IInstancePool, IKernelChoice
    {
        private readonly Func<Tensor> token;
        private readonly AttentionWeights attention;
        private readonly LayerNorm norm;
        private readonly int heads;
        private readonly NormPlacement placement;
        private readonly double dropout;
        private readonly Scalar scale;   // 1 / sqrt(head width), kept alive with the pool (see Constants)
        private readonly Scalar keptScale;   // 1 / (1 - dropout): the weight of a kept attention probability

        /// <summary>Above this |mean| / std of a token, folding
        /// pre-norm into the passes loses float32 precision.</summary>
        private const double MaxFoldedMeanToStd = 4.0;

        public ClsKernel Kernel { get; set; }

        public int Heads => heads;

        /// <summary>
        /// When set, receives every call's attention of the cls query, softmax before dropout, as computed by the
        /// kernel that runs: [m, h, 1 + s] (position 0 is the cls token itself, then the s instances), detached, and
        /// the instance mask [m, s] (null when every instance is valid). Telemetry and `explain` read it.
        /// </summary>
        public Action<Tensor, Tensor?>? AttentionSink { get; set; }

        /// <param name="token">The current cls token [1, 1, W]: a getter,
        /// since Module.to() replaces parameters.</param>
        public ClsTokenPool(Func<Tensor> token, AttentionWeights attention, LayerNorm norm, int heads, NormPlacement placement, double dropout, ClsKernel kernel)
        {
            if (attention.Width % heads != 0)
                throw new ArgumentException($"{heads} attention heads do not divide the width {attention.Width}");
            this.token = token; this.attention = attention; this.norm = norm;
            this.heads = heads; this.placement = placement; this.dropout = dropout;
            scale = (1.0 / Math.Sqrt(attention.Width / heads)).ToScalar();
            keptScale = (dropout < 1 ? 1.0 / (1.0 - dropout) : 0.0).ToScalar();
            Kernel = kernel;
        }

        public Tensor Pool(Tensor x, Tensor? valid, bool training) => Kernel switch
        {
            ClsKernel.Reference => Reference(TokenPrecision.Float32(x), valid, training),
            ClsKernel.Fused when OnePassApplies(x) => OnePass(x, valid, training),
            _ => Batched(TokenPrecision.Float32(x), valid, training),
        };

        /// <summary>The one-pass kernel reads float32 CPU memory, or float16 / bfloat16 tokens that it widens as it
        /// reads (at most 2 GiB of tokens per call), and does not materialise the probabilities an attention sink
        /// asks for.</summary>
        private bool OnePassApplies(Tensor x) =>
            AttentionSink is null && x.device_type == DeviceType.CPU
            && (x.dtype is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16)
            && x.NumberOfElements * sizeof(float) <= int.MaxValue && dropout < 1;

        private Tensor LayerNorm(Tensor t) => F.layer_norm(t, new long[] { attention.Width }, norm.weight, norm.bias, Constants.LayerNormEps);

        /// <summary>
        /// Only the cls row of the attention is kept, and it depends on one query q0. With u_h = Wk_h^T q0_h /
        /// sqrt(d), score_j = s_j . u_h + q0_h . bk_h / sqrt(d), and the head output is Wv_h (sum_j a_j s_j) + bv_h
        /// sum_j a_j. So two thin passes over the tokens replace the S x D projections and the S x S attention.
        /// Pre-norm is folded in through per-token mean and inverse std, so LN(x) is not materialised either (unless
        /// the tokens are far from centred, see below).
        /// Both passes are batched matmuls with x as the right operand ([m, h, w] x [m, w, s] and [m, h, s] x [m, s,
        /// w]): their gradients are then the same two fast shapes, where x @ u^T would back-propagate through x^T @
        /// g, a layout CPU GEMMs run several times slower.
        /// </summary>
        private Tensor Batched(Tensor x, Tensor? valid, bool training)
        {
            long m = x.shape[0], s = x.shape[1];
            int w = attention.Width, h = heads;
            var (clsIn, u, beta) = ClsQuery();
            var xT = x.transpose(1, 2);                                                // [m, w, s], a view

            // Pre-norm is folded into the two passes through per-token mean and inverse std. Folding subtracts
            // mean * sum(u) from u . x, which cancels in float32 when a token's mean dwarfs its spread; such
            // inputs get LN(x) materialised instead (one copy), and the passes then see normalised tokens.
            Tensor? mean = null, rstd = null;
            if (placement == NormPlacement.Pre)
            {
                var (variance, mu) = var_mean(x, -1, unbiased: false);                 // [m, s]
                var inverseStd = (variance + Constants.NormEps).rsqrt();
                if ((mu.abs() * inverseStd).max().to(ScalarType.Float64).item<double>() <= MaxFoldedMeanToStd)
                {
                    mean = mu.unsqueeze(1);
                    rstd = inverseStd.unsqueeze(1);
                }
                else
                {
                    x = LayerNorm(x);
                    xT = x.transpose(1, 2);
                }
            }

            Tensor tokenScores;                                                        // [m, h, s]
            if (rstd is not null)
            {
                var gu = u * norm.weight;
                tokenScores = (gu.expand(m, h, w).bmm(xT) - gu.sum(-1).view(1, h, 1) * mean!) * rstd
                              + (u.matmul(norm.bias) + beta).view(1, h, 1);
            }
            else
            {
                tokenScores = u.expand(m, h, w).bmm(xT) + beta.view(1, h, 1);
            }

            if (valid is not null) tokenScores = tokenScores.masked_fill(valid.logical_not().unsqueeze(1), Constants.NegativeInfinity);
            var clsScore = (u.matmul(clsIn) + beta).view(1, h, 1).expand(m, h, 1);

            var probabilities = F.softmax(cat(new[] { clsScore, tokenScores }, 2), 2);                   // [m, h, 1+s]
            AttentionSink?.Invoke(probabilities.detach(), valid);
            var a = F.dropout(probabilities, dropout, training);
            var aCls = a.select(2, 0);                                                 // [m, h]
            var aTok = a.narrow(2, 1, s).contiguous();                                 // [m, h, s]

            Tensor context;                                                            // [m, h, w]
            if (rstd is not null)
            {
                var weighted = aTok * rstd!;
                var centred = weighted.bmm(x) - (weighted * mean!).sum(2, keepdim: true);
                context = norm.weight! * centred + norm.bias! * aTok.sum(2, keepdim: true);
            }
            else
            {
                context = aTok.bmm(x);
            }

            context = context + aCls.unsqueeze(-1) * clsIn;
            return Project(context, a.sum(2).unsqueeze(-1), training);
        }

        /// <summary>What both fast kernels derive from the cls token alone: the (pre-normed) cls token, and per head
        /// u_h = Wk_h^T q_h / sqrt(d) [h, w] and beta_h = q_h . bk_h / sqrt(d) [h].</summary>
        private (Tensor ClsIn, Tensor U, Tensor Beta) ClsQuery()
        {
            int w = attention.Width, h = heads, d = w / h;
            var wIn = attention.in_proj_weight.chunk(3, 0);
            var bIn = attention.in_proj_bias.chunk(3, 0);
            var cls = token().reshape(w);
            var clsIn = placement == NormPlacement.Pre ? LayerNorm(cls) : cls;
            var q = (wIn[0].matmul(clsIn) + bIn[0]).view(h, d) * scale;
            var u = q.unsqueeze(1).matmul(wIn[1].view(h, d, w)).squeeze(1);
            var beta = (q * bIn[1].view(h, d)).sum(-1);
            return (clsIn, u, beta);
        }

        /// <summary>Both fast kernels' end: the value projection applied after the weighted sum (context
        /// [m, h, w], the attention weights' sum per head [m, h, 1] carrying the value bias), out_proj, post-norm,
        /// dropout.</summary>
        private Tensor Project(Tensor context, Tensor weightSum, bool training)
        {
            var m = context.shape[0];
            int w = attention.Width, h = heads, d = w / h;
            var wValue = attention.in_proj_weight.chunk(3, 0)[2];
            var bValue = attention.in_proj_bias.chunk(3, 0)[2];
            var perHead = einsum("mhw,hdw->mhd", context, wValue.view(h, d, w)) + bValue.view(h, d) * weightSum;
            var output = F.linear(perHead.reshape(m, w), attention.out_proj.weight!, attention.out_proj.bias);
            if (placement == NormPlacement.Post) output = LayerNorm(output);
            return F.dropout(output, dropout, training);
        }

        /// <summary>
        /// The same algebra as <see cref="Batched"/> (u, beta, the value projection after the weighted sum), with the
        /// softmax and weighted sum done by <see cref="ClsAttentionFunction"/> in one read of the tokens. Pre-norm
        /// materialises LN(x) through TorchSharp first (the kernel then reads the normalised tokens), which also
        /// keeps tokens far from centred exact. Attention dropout draws its keep mask from torch's generator, as
        /// F.dropout does, and the kernel weighs each probability by it. 16-bit tokens reach the kernel as they are
        /// (half the bytes per pass) unless they need a gradient or pre-norm normalises them: then they are
        /// converted to float32 first.
        /// </summary>
        private Tensor OnePass(Tensor x, Tensor? valid, bool training)
        {
            long m = x.shape[0], s = x.shape[1];
            int w = attention.Width, h = heads;
            var (clsIn, u, beta) = ClsQuery();
            if (placement == NormPlacement.Pre || x.requires_grad) x = TokenPrecision.Float32(x);
            var tokens = placement == NormPlacement.Pre ? LayerNorm(x) : x;
            Tensor? keep = null;
            if (training && dropout > 0)
                keep = empty(new[] { m, h, 1 + s }).bernoulli_(1 - dropout).mul_(keptScale);
            var weighted = ClsAttentionFunction.apply(
                tokens.contiguous(), valid?.to(ScalarType.Bool).contiguous(), u.contiguous(), beta.contiguous(), clsIn.contiguous(), keep);
            // [m, h, w] the context, [m, h, 1] the weights' sum
            return Project(weighted.narrow(2, 0, w), weighted.narrow(2, w, 1), training);
        }

        /// <summary>The reference algorithm, literally: full self-attention over [cls; x], then row 0.</summary>
        private Tensor Reference(Tensor x, Tensor? valid, bool training)
        {
            long m = x.shape[0], s = x.shape[1];
            int w = attention.Width, h = heads, d = w / h;
            var seq = cat(new[] { token().expand(m, 1, w), x }, 1);
            if (placement == NormPlacement.Pre) seq = LayerNorm(seq);
            var qkv = F.linear(seq, attention.in_proj_weight, attention.in_proj_bias).chunk(3, -1);
            Tensor Split(Tensor t) => t.reshape(m, s + 1, h, d).transpose(1, 2);
            var scores = Split(qkv[0]).matmul(Split(qkv[1]).transpose(-2, -1)) * scale;   // [m, h, s+1, s+1]
            if (valid is not null)
            {
                var keys = cat(new[] { ones(m, 1, ScalarType.Bool, valid.device), valid }, 1);
                scores = scores.masked_fill(keys.logical_not().view(m, 1, 1, s + 1), Constants.NegativeInfinity);
            }
            var probabilities = F.softmax(scores, -1);
            AttentionSink?.Invoke(probabilities.select(2, 0).detach(), valid);                          // row 0: the cls query
            var attn = F.dropout(probabilities, dropout, training);
            var output = attn.matmul(Split(qkv[2])).transpose(1, 2).reshape(m, s + 1, w);
            output = F.linear(output, attention.out_proj.weight!, attention.out_proj.bias);
            if (placement == NormPlacement.Post) output = LayerNorm(output);
            return F.dropout(output.select(1, 0), dropout, training);
        }
    }
}
