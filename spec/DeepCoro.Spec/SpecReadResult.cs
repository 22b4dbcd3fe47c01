using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Spec
{
    /// <summary>The outcome of reading a spec: the model (null when
    /// it could not be read) and every finding, located.</summary>
    public sealed record SpecReadResult(ModelSpec? Spec, IReadOnlyList<SpecDiagnostic> Diagnostics)
    {
        public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);
    }
}
