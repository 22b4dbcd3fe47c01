using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Spec
{
    /// <summary>The outcome of reading a spec: the model and its resolved plan (null when it could not be read or
    /// has errors) and every finding, located.</summary>
    public sealed record SpecReadResult(ModelSpec? Spec, IReadOnlyList<SpecDiagnostic> Diagnostics, ModelPlan? Plan = null)
    {
        public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);
    }
}
