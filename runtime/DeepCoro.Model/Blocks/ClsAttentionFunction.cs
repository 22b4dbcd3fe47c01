using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// <see cref="OnePassClsAttention"/> as a TorchSharp autograd function, so that the tensors around it (the
    /// projections that make u and beta, the cls token, the norm) back-propagate as usual. Arguments: tokens
    /// [m, s, w], valid [m, s] (bool, or null), u [h, w], beta [h], cls [w], keep [m, h, 1 + s] (or null); every
    /// tensor contiguous float32 on the CPU, except the tokens, which may also be float16 or bfloat16 when they need
    /// no gradient (the kernel widens them as it reads). Returns [m, h, w + 1]: each head's weighted sum of values,
    /// then the sum of its weights.
    /// </summary>
    internal sealed class ClsAttentionFunction : autograd.SingleTensorFunction<ClsAttentionFunction>
    {
        private const string TokensNeedGrad = "tokens need grad";

        public override string Name => nameof(ClsAttentionFunction);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (tokens, valid, u, beta, cls, keep) = ((Tensor)vars[0], vars[1] as Tensor, (Tensor)vars[2], (Tensor)vars[3], (Tensor)vars[4], vars[5] as Tensor);
            long m = tokens.shape[0], s = tokens.shape[1], w = tokens.shape[2], h = u.shape[0];
            if (tokens.dtype != ScalarType.Float32 && tokens.requires_grad)
                throw new System.ArgumentException($"{tokens.dtype} tokens that need a gradient: convert them to float32 first");
            var output = empty(m, h, w + 1);
            var scores = empty(m, h, s);
            var lse = empty(m, h);
            var buffers = Buffers(tokens, valid, u, beta, cls, keep, output, scores, lse);
            OnePassClsAttention.Forward(buffers);
            ctx.save_for_backward(new List<Tensor> { tokens, valid!, u, beta, cls, keep!, output.detach(), scores, lse });
            ctx.save_data(TokensNeedGrad, tokens.requires_grad);
            return output;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var saved = ctx.get_saved_variables();
            var (tokens, valid, u, beta, cls, keep, output, scores, lse) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6], saved[7], saved[8]);
            long m = tokens.shape[0], w = tokens.shape[2], h = u.shape[0];
            var gradTokens = (bool)ctx.get_data(TokensNeedGrad) ? zeros_like(tokens) : null;
            var gradU = empty(m, h, w);
            var gradBeta = empty(m, h);
            var gradCls = empty(m, w);
            var buffers = Buffers(tokens, valid, u, beta, cls, keep, output, scores, lse);
            var g = gradOutput.contiguous();
            unsafe
            {
                buffers.GradOut = Pointer(g);
                buffers.GradX = gradTokens is null ? null : Pointer(gradTokens);
                buffers.GradU = Pointer(gradU);
                buffers.GradBeta = Pointer(gradBeta);
                buffers.GradCls = Pointer(gradCls);
            }
            OnePassClsAttention.Backward(buffers);
            // the per-row parts summed in row order: the same result whatever the thread count
            return new List<Tensor> { gradTokens!, null!, gradU.sum(dim: 0), gradBeta.sum(dim: 0), gradCls.sum(dim: 0), null! };
        }

        private static unsafe OnePassClsAttention.Buffers Buffers(Tensor tokens, Tensor? valid, Tensor u, Tensor beta, Tensor cls, Tensor? keep,
            Tensor output, Tensor scores, Tensor lse) => new()
            {
                Rows = (int)tokens.shape[0],
                Tokens = (int)tokens.shape[1],
                Width = (int)tokens.shape[2],
                Heads = (int)u.shape[0],
                Threads = get_num_threads(),
                X = tokens.dtype == ScalarType.Float32 ? Pointer(tokens) : null,
                X16 = tokens.dtype == ScalarType.Float32 ? null : (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tokens.bytes)),
                BFloat16 = tokens.dtype == ScalarType.BFloat16,
                Valid = valid is null ? null : (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(valid.bytes)),
                U = Pointer(u),
                Beta = Pointer(beta),
                Cls = Pointer(cls),
                Keep = keep is null ? null : Pointer(keep),
                Out = Pointer(output),
                Scores = Pointer(scores),
                Lse = Pointer(lse),
            };

        /// <summary>The first float of a contiguous CPU tensor; its memory is native, so the pointer stays
        /// valid while the tensor lives.</summary>
        private static unsafe float* Pointer(Tensor t) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
    }
}
