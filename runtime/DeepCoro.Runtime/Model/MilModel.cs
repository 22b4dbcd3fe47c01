using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// A multi-instance probe built from any valid spec at run time: parameters registered under the spec's
    /// keys (the reference's state_dict names), the pooling plan, then one Linear per head.
    /// </summary>
    public sealed class MilModel : nn.Module<ModelInput, OrderedDictionary<string, Tensor>>
    {
        private readonly Dictionary<string, nn.Module> sharedModules = new();
        private readonly HashSet<string> tokenKeys = new();
        private readonly List<ClsLevel> clsLevels = new();
        private readonly IReadOnlyList<PoolingStep> plan;
        private readonly Embedding? viewEmbedding;
        private readonly HeadLayers heads;

        public ModelSpec Spec { get; }

        public MilModel(ModelSpec spec, ClsKernel kernel = ClsKernel.Fused) : base(spec.Name)
        {
            var errors = SpecValidator.Validate(spec).Where(d => d.Severity == Severity.Error).ToList();
            if (errors.Count > 0) throw new SpecException($"spec '{spec.Name}': ", errors);
            Spec = spec;
            if (spec.ViewEmbedding is { } view)
            {
                viewEmbedding = ModelParts.ViewEmbedding(view.Classes, spec.EmbeddingDim);
                register_module(view.Key, viewEmbedding);
            }
            (plan, var width) = Steps(spec.Pooling, spec.EmbeddingDim, kernel);
            heads = new HeadLayers(spec.Heads.Select(h => (h.Name, h.Outputs)), width);
            register_module("heads", heads);
            foreach (var unused in spec.UnusedParameters)
                ModelParts.RegisterUnused(this, unused.Key, unused.Shape.Select(d => (long)d).ToArray());
        }

        /// <summary>Switches every cls-token level between the fused and the reference algorithm.</summary>
        public ClsKernel Kernel
        {
            set { foreach (var level in clsLevels) level.Pool.Kernel = value; }
        }

        /// <summary>The cls-token levels in the order they run (innermost axis first), for telemetry and `explain`.</summary>
        public IReadOnlyList<ClsLevel> ClsLevels => clsLevels;

        public override OrderedDictionary<string, Tensor> forward(ModelInput input)
        {
            InputGuard.Check(Spec, input);
            var pooled = ProbeForward.Pool(plan, viewEmbedding, input, training);
            var outputs = new OrderedDictionary<string, Tensor>();
            foreach (var head in Spec.Heads) outputs[head.Name] = heads[head.Name].forward(pooled);
            return outputs;
        }

        /// <summary>The executable steps of <paramref name="stages"/> and the width they leave (branch widths add up).</summary>
        private (IReadOnlyList<PoolingStep> Steps, int Width) Steps(IReadOnlyList<PoolStage> stages, int width, ClsKernel kernel)
        {
            var steps = new List<PoolingStep>();
            foreach (var stage in stages)
            {
                if (stage is ConcatStage concat)
                {
                    var branches = concat.Branches.Select(b => Steps(b, width, kernel)).ToList();
                    steps.Add(new PoolingStep.Concat(branches.Select(b => b.Steps).ToList()));
                    width = branches.Sum(b => b.Width);
                    continue;
                }
                var level = (PoolLevel)stage;
                steps.Add(new PoolingStep.Level(Pool(level, width, kernel), level.Over == Spec.MaskedAxis));
            }
            return (steps, width);
        }

        private IInstancePool Pool(PoolLevel level, int width, ClsKernel kernel)
        {
            var o = level.Options;
            switch (level.Kind)
            {
                case PoolKind.Mean: return new MeanPool();
                case PoolKind.Max: return new MaxPool();
                case PoolKind.GatedAttention:
                    return new GatedAttentionPool(
                        Shared(o.GateKey + "_V", () => ModelParts.Linear(width, o.Hidden)),
                        Shared(o.GateKey + "_U", () => ModelParts.Linear(width, o.Hidden)),
                        Shared(o.GateKey + "_w", () => ModelParts.Linear(o.Hidden, 1)),
                        o.Dropout);
                default:
                    if (tokenKeys.Add(o.TokenKey)) register_parameter(o.TokenKey, ModelParts.ClsToken(width));
                    // Looked up at each call: Module.to(device or dtype) replaces registered parameters.
                    var tokenKey = o.TokenKey;
                    var pool = new ClsTokenPool(() => get_parameter(tokenKey)!,
                        Shared(o.AttentionKey, () => new AttentionWeights(o.AttentionKey, width)),
                        Shared(o.NormKey, () => ModelParts.Norm(width)),
                        o.AttentionHeads, o.Norm, o.Dropout, kernel);
                    var name = clsLevels.Any(l => l.Level.Over == level.Over) ? $"{level.Over}_{clsLevels.Count + 1}" : level.Over;
                    clsLevels.Add(new ClsLevel(name, level, pool));
                    return pool;
            }
        }

        /// <summary>The module registered under <paramref name="key"/>, created on first use: equal keys share parameters.</summary>
        private T Shared<T>(string key, System.Func<T> create) where T : nn.Module
        {
            if (!sharedModules.TryGetValue(key, out var module))
            {
                module = create();
                register_module(key, module);
                sharedModules[key] = module;
            }
            return (T)module;
        }
    }
}
