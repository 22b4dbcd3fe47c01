using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Spec
{
    /// <summary>
    /// A spec resolved once: the modules in state_dict order (DeepCORO_CLIP's order for its models: root parameters,
    /// then view embedding, attention layers, norms, gates and heads, inner levels before outer ones), the pooling
    /// steps with the width after each (a tree: concat steps hold branches), the same pool steps as a flat list in
    /// the order they are written (depth first), the heads, the width the heads read, the shape table and every
    /// diagnostic. The validator reports from it, MilModel runs it, the generator prints it, optimizer groups go by
    /// its roles: nothing else walks the IR. Resolve it once per entry point and pass it along.
    /// </summary>
    public sealed record ModelPlan(
        ModelSpec Spec,
        EquatableList<PlannedModule> Modules,
        EquatableList<PlanStep> Steps,
        EquatableList<PlanStep.Pool> Pools,
        EquatableList<PlannedHead> Heads,
        int HeadWidth,
        EquatableList<ShapeRow> Rows,
        EquatableList<SpecDiagnostic> Diagnostics)
    {
        /// <summary>Resolves a spec; a spec with errors still gets
        /// its diagnostics (check <see cref="HasErrors"/>).</summary>
        public static ModelPlan Of(ModelSpec spec) => ModelPlanner.Resolve(spec);

        public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

        public IEnumerable<SpecDiagnostic> Errors => Diagnostics.Where(d => d.Severity == Severity.Error);

        /// <summary>Every tensor of the state_dict, in its order.</summary>
        public IEnumerable<PlannedParameter> Parameters => Modules.SelectMany(m => m.Parameters);

        public long ParameterCount => Parameters.Sum(p => p.Count);

        /// <summary>The cls-token pools, in the order they are written.</summary>
        public IEnumerable<PlanStep.Cls> ClsPools => Pools.OfType<PlanStep.Cls>();

        /// <summary>The plan itself, or a <see cref="SpecException"/>
        /// naming <paramref name="source"/> and every error.</summary>
        public ModelPlan OrThrow(string source) => HasErrors ? throw new SpecException(source, Diagnostics) : this;
    }
}
