using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// The parameters of one multi-head attention layer, named exactly like PyTorch's nn.MultiheadAttention
    /// (in_proj rows are q, then k, then v). The math that uses them lives in <see cref="ClsTokenPool"/>.
    /// </summary>
    public sealed class AttentionWeights : nn.Module
    {
        public readonly Parameter in_proj_weight;
        public readonly Parameter in_proj_bias;
        public readonly Linear out_proj;

        public AttentionWeights(string name, int width) : base(name)
        {
            in_proj_weight = new Parameter(empty(3 * width, width));
            in_proj_bias = new Parameter(zeros(3 * width));
            out_proj = nn.Linear(width, width);
            register_parameter(nameof(in_proj_weight), in_proj_weight);
            register_parameter(nameof(in_proj_bias), in_proj_bias);
            register_module(nameof(out_proj), out_proj);
            using (no_grad())
            {
                nn.init.xavier_uniform_(in_proj_weight);
                nn.init.xavier_uniform_(out_proj.weight!);
                out_proj.bias!.zero_();
            }
        }

        public int Width => (int)in_proj_weight.shape[1];
    }
}
