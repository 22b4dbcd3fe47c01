using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// The parameter modules of a probe with their initialisation, shared by the IR-built and the generated
    /// models: xavier-uniform Linears with zero bias (as the reference), LayerNorm 1/0, view embedding N(0, 1),
    /// and a cls token N(0, 0.02) (the seed document's std; the reference code uses 1, which saturates softmax).
    /// </summary>
    public static class ModelParts
    {
        public static Parameter ClsToken(int width)
        {
            var p = new Parameter(empty(1, 1, width));
            using (no_grad()) nn.init.normal_(p, 0.0, 0.02);
            return p;
        }

        public static Linear Linear(int input, int output)
        {
            var layer = nn.Linear(input, output);
            using (no_grad())
            {
                nn.init.xavier_uniform_(layer.weight!);
                layer.bias!.zero_();
            }
            return layer;
        }

        public static LayerNorm Norm(int width) => nn.LayerNorm(width, Constants.LayerNormEps);

        /// <summary>
        /// Registers a frozen, never-used parameter under a dotted key (e.g. "cls_attention_within.out_proj.weight"),
        /// creating empty holder modules for the dotted prefix, so the state_dict has exactly that key.
        /// </summary>
        public static void RegisterUnused(nn.Module root, string key, long[] shape)
        {
            var segments = key.Split('.');
            var owner = root;
            foreach (var segment in segments[..^1])
            {
                var child = owner.named_children().FirstOrDefault(c => c.name == segment).module;
                if (child is null)
                {
                    child = new Holder(segment);
                    owner.register_module(segment, child);
                }
                owner = child;
            }
            owner.register_parameter(segments[^1], new Parameter(zeros(shape), requires_grad: false));
        }

        private sealed class Holder : nn.Module
        {
            public Holder(string name) : base(name) { }
        }

        /// <summary>A view embedding table of <paramref name="rows"/> rows (the view classes and the padding
        /// id).</summary>
        public static Embedding Embedding(int rows, int width)
        {
            var embedding = nn.Embedding(rows, width);
            using (no_grad()) nn.init.normal_(embedding.weight!, 0.0, 1.0);
            return embedding;
        }

        /// <summary>The module a plan names (not the token, a bare parameter, nor unused holders), freshly
        /// initialised.</summary>
        public static nn.Module Create(PlannedModule module) => Create(module.Kind, module.Key, module.Input, module.Output);

        /// <summary>
        /// The one place a planned module's kind becomes a module: MilModel calls it with the plan's module,
        /// generated code with the same values written out (and its field's type).
        /// </summary>
        public static T Create<T>(ModuleKind kind, string key, int input, int output) where T : nn.Module => (T)Create(kind, key, input, output);

        private static nn.Module Create(ModuleKind kind, string key, int input, int output) => kind switch
        {
            ModuleKind.Attention => new AttentionWeights(key, output),
            ModuleKind.Norm => Norm(output),
            ModuleKind.Linear => Linear(input, output),
            ModuleKind.Embedding => Embedding(input, output),
            _ => throw new System.ArgumentException($"module '{key}' of kind {kind} is not built by {nameof(Create)}"),
        };
    }
}
