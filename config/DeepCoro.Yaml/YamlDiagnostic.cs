using DeepCoro.Spec;

namespace DeepCoro.Yaml
{
    /// <summary>A finding located in a YAML file; prints as <c>file:line:column: [warning: ]message</c>.</summary>
    public sealed record YamlDiagnostic(string File, int Line, int Column, string Code, Severity Severity, string Message)
    {
        public override string ToString() =>
            $"{File}:{Line}:{Column}: {(Severity == Severity.Warning ? "warning: " : "")}{Message}";
    }
}
