using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// A multi-instance probe built from any valid spec at run time by running its plan: every module created and
    /// registered under its key in the plan's order (the reference's state_dict names and order), the pooling steps'
    /// blocks, then one Linear per head.
    /// </summary>
    public sealed class MilModel : nn.Module<ModelInput, OrderedDictionary<string, Tensor>>, IPoolingProbe
    {
        private readonly Dictionary<string, nn.Module> planned = new();
        private readonly List<IKernelChoice> kernelBlocks = new();
        private readonly List<ClsLevel> clsLevels = new();
        private readonly IReadOnlyList<PoolingStep> steps;
        private readonly Embedding? viewEmbedding;
        private readonly HeadLayers heads = new();

        public ModelSpec Spec { get; }

        public ModelPlan Plan { get; }

        /// <summary>Builds the model of a resolved plan; a plan with errors throws a <see cref="SpecException"/>
        /// listing them.</summary>
        public MilModel(ModelPlan plan, ClsKernel kernel = ClsKernel.Fused) : base(plan.Spec.Name)
        {
            Plan = plan.OrThrow($"spec '{plan.Spec.Name}': ");
            Spec = plan.Spec;
            foreach (var module in Plan.Modules) Register(module);
            if (Spec.ViewEmbedding is { } view) viewEmbedding = (Embedding)planned[view.Key];
            var blocks = Plan.Pools.Select(Block).ToList();
            steps = Build(Plan.Steps, blocks);
            foreach (var cls in Plan.ClsPools)
            {
                var name = clsLevels.Any(l => l.Over == cls.Over) ? $"{cls.Over}_{clsLevels.Count + 1}" : cls.Over;
                clsLevels.Add(new ClsLevel(name, cls.Over, cls.Token, (ClsTokenPool)blocks[cls.Index]));
            }

            IInstancePool Block(PlanStep.Pool step)
            {
                // a getter, looked up at each call: Module.to(device or dtype) replaces registered parameters
                var block = PoolBlocks.Create(step, key => planned[key], key => () => get_parameter(key)!, kernel);
                if (block is IKernelChoice choice) kernelBlocks.Add(choice);
                return block;
            }
        }

        private void Register(PlannedModule module)
        {
            switch (module.Kind)
            {
                case ModuleKind.Token:
                    register_parameter(module.Key, ModelParts.ClsToken(module.Output));
                    break;
                case ModuleKind.Unused:
                    foreach (var p in module.Parameters) ModelParts.RegisterUnused(this, p.Key, p.Shape.Select(d => (long)d).ToArray());
                    break;
                case ModuleKind.Linear when module.Role == ParameterRole.Head:
                    // the heads' container is registered where the plan puts the first head
                    if (!heads.children().Any()) register_module(ReferenceNames.Heads, heads);
                    var head = Plan.Heads.First(h => h.Key == module.Key);
                    heads.Add(head.Name, ModelParts.Linear(module.Input, module.Output), head.Dropout);
                    break;
                default:
                    var created = ModelParts.Create(module);
                    register_module(module.Key, created);
                    planned[module.Key] = created;
                    break;
            }
        }

        /// <summary>The step tree with the blocks built for <see cref="ModelPlan.Pools"/> at their
        /// places.</summary>
        private static IReadOnlyList<PoolingStep> Build(IReadOnlyList<PlanStep> plan, IReadOnlyList<IInstancePool> blocks) =>
            plan.Select(step => step switch
            {
                PlanStep.Pool pool => new PoolingStep.Level(blocks[pool.Index], pool.Masked),
                PlanStep.Concat concat => (PoolingStep)new PoolingStep.Concat(concat.Branches.Select(b => Build(b, blocks)).ToList()),
                _ => throw new System.InvalidOperationException($"unknown plan step {step}"),
            }).ToList();

        /// <summary>Switches every block that has a choice between the fused and the reference algorithm.</summary>
        public ClsKernel Kernel
        {
            set { foreach (var block in kernelBlocks) block.Kernel = value; }
        }

        /// <summary>The cls-token levels in the order they run (innermost axis first),
        /// for telemetry and `explain`.</summary>
        public IReadOnlyList<ClsLevel> ClsLevels => clsLevels;

        public override OrderedDictionary<string, Tensor> forward(ModelInput input) => Heads(Pool(input));

        public nn.Module<ModelInput, OrderedDictionary<string, Tensor>> Module => this;
        public MilModel Pooling => this;

        /// <summary>The pooled vector [B, W] every head reads: the study embedding.</summary>
        public Tensor Pool(ModelInput input)
        {
            InputGuard.Check(Spec, input);
            return ProbeForward.Pool(steps, viewEmbedding, input, training);
        }

        /// <summary>Every head on a pooled vector, in the spec's order.</summary>
        public OrderedDictionary<string, Tensor> Heads(Tensor pooled)
        {
            var outputs = new OrderedDictionary<string, Tensor>();
            foreach (var head in Plan.Heads) outputs[head.Name] = heads.Forward(head.Name, pooled, training);
            return outputs;
        }
    }
}
