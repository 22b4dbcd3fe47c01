namespace DeepCoro.Spec
{
    /// <summary>A finding about a spec: its code, the JSON path of the field at fault,
    /// and where it stands in the file.</summary>
    public sealed record SpecDiagnostic(string Code, Severity Severity, string Path, string Message, int Line = 0, int Column = 0)
    {
        public override string ToString() =>
            (Line > 0 ? $"({Line},{Column}) " : "") + $"{(Severity == Severity.Error ? "error" : "warning")} {Code}: {Path}: {Message}";
    }
}
