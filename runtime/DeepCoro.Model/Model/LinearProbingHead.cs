using DeepCoro.Runtime.Blocks;
using DeepCoro.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// DeepCORO_CLIP's stand-alone ClsTokenLinearProbingHead: x [B, D] (one token) or [B, S, D]; a cls token
    /// attends over the tokens (post LayerNorm, dropout), or a plain mean without it; then fc1 (D -> 256),
    /// LayerNorm, exact GELU, dropout, linear_probe (256 -> out). The regression variant maps y to 50 (tanh(y) + 1).
    /// </summary>
    public sealed class LinearProbingHead : nn.Module<Tensor, Tensor>
    {
        public const int HiddenWidth = 256;
        private readonly Parameter? cls_token;
        private readonly AttentionWeights? cls_attention;
        private readonly LayerNorm? cls_norm;
        private readonly Linear fc1, linear_probe;
        private readonly LayerNorm norm;
        private readonly IInstancePool pool;
        private readonly double dropout;
        private readonly bool regression;

        public int InputDim { get; }

        public LinearProbingHead(int inputDim, int outputDim, double dropout = 0.1, int numHeads = 8, bool useClsToken = true,
                                 bool regression = false, ClsKernel kernel = ClsKernel.Fused)
            : base(regression ? "ClsTokenLinearProbingRegressionHead" : "ClsTokenLinearProbingHead")
        {
            InputDim = inputDim;
            this.dropout = dropout;
            this.regression = regression;
            if (useClsToken)
            {
                cls_token = ModelParts.ClsToken(inputDim);
                cls_attention = new AttentionWeights(nameof(cls_attention), inputDim);
                cls_norm = ModelParts.Norm(inputDim);
                register_parameter(nameof(cls_token), cls_token);
                register_module(nameof(cls_attention), cls_attention);
                register_module(nameof(cls_norm), cls_norm);
                pool = new ClsTokenPool(() => get_parameter(nameof(cls_token))!, cls_attention, cls_norm, numHeads, NormPlacement.Post, dropout, kernel);
            }
            else
            {
                pool = new MeanPool();
            }

            fc1 = ModelParts.Linear(inputDim, HiddenWidth);
            norm = ModelParts.Norm(HiddenWidth);
            linear_probe = ModelParts.Linear(HiddenWidth, outputDim);
            register_module(nameof(fc1), fc1);
            register_module(nameof(norm), norm);
            register_module(nameof(linear_probe), linear_probe);
        }

        public ClsKernel Kernel { set { if (pool is ClsTokenPool cls) cls.Kernel = value; } }

        public override Tensor forward(Tensor x)
        {
            if (x.dim() == 2) x = x.unsqueeze(1);
            if (x.dim() != 3 || x.shape[2] != InputDim)
                throw new InputShapeException($"x: expected [B, {InputDim}] or [B, S, {InputDim}], got [{string.Join(", ", x.shape)}]");
            // The reference applies its dropout once after the cls norm; ClsTokenPool already ends with it.
            var pooled = pool.Pool(x, null, training);
            var hidden = F.dropout(F.gelu(norm.forward(fc1.forward(pooled))), dropout, training);
            var y = linear_probe.forward(hidden);
            return regression ? (y.tanh() + Constants.One) * Constants.Fifty : y;
        }
    }
}
