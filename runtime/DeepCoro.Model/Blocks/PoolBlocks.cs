using System;
using DeepCoro.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Blocks
{
    /// <summary>
    /// The one factory of pooling blocks: a typed method per plan step case, taking by name what the step says and
    /// the modules it names. <see cref="Create"/> dispatches a plan step for the IR-built model; generated code calls
    /// the typed methods directly. A new pool kind is its plan step (spec/DeepCoro.Spec/Plan/PlanStep.cs), its block
    /// class, its method and its case in <see cref="Create"/>.
    /// </summary>
    public static class PoolBlocks
    {
        /// <param name="token">the current cls token [1, 1, W]: a getter, since Module.to(device or dtype) replaces
        /// parameters.</param>
        public static ClsTokenPool Cls(Func<Tensor> token, AttentionWeights attention, LayerNorm norm, int heads, NormPlacement placement, double dropout,
            ClsKernel kernel) => new ClsTokenPool(token, attention, norm, heads, placement, dropout, kernel);

        public static GatedAttentionPool GatedAttention(Linear v, Linear u, Linear w, double dropout) => new GatedAttentionPool(v, u, w, dropout);

        public static MeanPool Mean() => new MeanPool();

        public static MaxPool Max() => new MaxPool();

        /// <summary>The block of a plan step, its modules looked up by key in <paramref name="modules"/>.</summary>
        /// <param name="parameter">a getter of the parameter registered under a key.</param>
        public static IInstancePool Create(PlanStep.Pool step, Func<string, nn.Module> modules, Func<string, Func<Tensor>> parameter, ClsKernel kernel) =>
            step switch
            {
                PlanStep.Cls c => Cls(token: parameter(c.Token), attention: (AttentionWeights)modules(c.Attention), norm: (LayerNorm)modules(c.Norm),
                    heads: c.Heads, placement: c.Placement, dropout: c.Dropout, kernel: kernel),
                PlanStep.GatedAttention g => GatedAttention(v: (Linear)modules(g.V), u: (Linear)modules(g.U), w: (Linear)modules(g.W), dropout: g.Dropout),
                PlanStep.Mean => Mean(),
                PlanStep.Max => Max(),
                _ => throw new InvalidOperationException($"plan step {step.Path} ({step.Kind}) has no case in {nameof(PoolBlocks)}.{nameof(Create)}"),
            };
    }
}
