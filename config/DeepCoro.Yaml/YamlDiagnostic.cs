using DeepCoro.Spec;

namespace DeepCoro.Yaml
{
    /// <summary>
    /// A finding located in a YAML file; prints as <c>file:line:column: [warning: ]message</c>, or without line and
    /// column for a value that came from elsewhere (Line 0: File then names it, e.g. "--set epochs=3").
    /// </summary>
    public sealed record YamlDiagnostic(string File, int Line, int Column, string Code, Severity Severity, string Message)
    {
        public override string ToString() =>
            (Line > 0 ? $"{File}:{Line}:{Column}: " : $"{File}: ") + (Severity == Severity.Warning ? "warning: " : "") + Message;
    }
}
