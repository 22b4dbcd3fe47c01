using System.Collections.Generic;

namespace DeepCoro.Spec
{
    public sealed class SpecException : DeepCoroUserException
    {
        public IReadOnlyList<SpecDiagnostic> Diagnostics { get; }

        public SpecException(string source, IReadOnlyList<SpecDiagnostic> diagnostics)
            : base(Describe(source, diagnostics)) { Diagnostics = diagnostics; }

        private static string Describe(string source, IReadOnlyList<SpecDiagnostic> diagnostics)
        {
            var lines = new List<string>();
            // a located diagnostic reads file(line,col) error ... (MSBuild's form), one without a position file: error
            foreach (var d in diagnostics) if (d.Severity == Severity.Error) lines.Add(source + (d.Line > 0 ? "" : ": ") + d);
            return string.Join("\n", lines);
        }
    }
}
