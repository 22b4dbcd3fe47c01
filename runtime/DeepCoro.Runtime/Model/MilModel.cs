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

        public MilModel(ModelSpec spec, ClsKernel kernel = ClsKernel.Fused) : base(spec.Name)
        {
            Plan = ModelPlan.Of(spec).OrThrow($"spec '{spec.Name}': ");
            Spec = spec;
            foreach (var module in Plan.Modules) Register(module);
            if (spec.ViewEmbedding is { } view) viewEmbedding = (Embedding)planned[view.Key];
            steps = Build(Plan.Steps, kernel);
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
                    var head = Spec.Heads.First(h => h.Key == module.Key);
                    heads.Add(head.Name, ModelParts.Linear(module.Input, module.Output), head.Dropout);
                    break;
                default:
                    var created = ModelParts.Create(module);
                    register_module(module.Key, created);
                    planned[module.Key] = created;
                    break;
            }
        }

        private IReadOnlyList<PoolingStep> Build(IReadOnlyList<PlanStep> plan, ClsKernel kernel) =>
            plan.Select(step => step switch
            {
                PlanStep.Pool pool => Pool(pool, kernel),
                PlanStep.Concat concat => new PoolingStep.Concat(concat.Branches.Select(b => Build(b, kernel)).ToList()),
                _ => throw new System.InvalidOperationException($"unknown plan step {step}"),
            }).ToList();

        private PoolingStep Pool(PlanStep.Pool step, ClsKernel kernel)
        {
            // a getter, looked up at each call: Module.to(device or dtype) replaces registered parameters
            var block = PoolBlocks.Create(step.Block, key => planned[key], key => () => get_parameter(key)!, kernel);
            if (block is IKernelChoice choice) kernelBlocks.Add(choice);
            if (block is ClsTokenPool cls)
            {
                var name = clsLevels.Any(l => l.Over == step.Over) ? $"{step.Over}_{clsLevels.Count + 1}" : step.Over;
                var token = step.Block.Arguments.OfType<BlockArgument.Parameter>().Single().Key;
                clsLevels.Add(new ClsLevel(name, step.Over, token, cls));
            }
            return new PoolingStep.Level(block, step.Masked);
        }

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
            foreach (var head in Spec.Heads) outputs[head.Name] = heads.Forward(head.Name, pooled, training);
            return outputs;
        }
    }
}
