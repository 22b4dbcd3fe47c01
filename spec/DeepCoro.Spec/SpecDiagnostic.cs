namespace DeepCoro.Spec
{
    /// <summary>A finding about a spec: its code, the JSON path of the field at fault, where it stands in the file,
    /// and (for the plan's findings) which field that is and its index (see <see cref="SpecField"/>; -1 for
    /// none).</summary>
    public sealed record SpecDiagnostic(string Code, Severity Severity, string Path, string Message, int Line = 0, int Column = 0,
        SpecField Field = SpecField.None, int Index = -1)
    {
        public override string ToString() =>
            (Line > 0 ? $"({Line},{Column}) " : "") + $"{(Severity == Severity.Error ? "error" : "warning")} {Code}: {Path}: {Message}";
    }
}
