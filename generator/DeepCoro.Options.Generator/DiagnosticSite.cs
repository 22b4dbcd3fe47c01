using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DeepCoro.Options.Generator
{
    /// <summary>A source location as plain values: a Roslyn <see cref="Location"/> has no value equality, and the
    /// pipeline's models must compare by content to be cached.</summary>
    internal sealed record DiagnosticSite(string Path, int Start, int Length, int Line, int Column, int EndLine, int EndColumn)
    {
        public static DiagnosticSite Of(Location location)
        {
            var lines = location.GetLineSpan();
            return new DiagnosticSite(
                lines.Path, location.SourceSpan.Start, location.SourceSpan.Length,
                lines.StartLinePosition.Line, lines.StartLinePosition.Character, lines.EndLinePosition.Line, lines.EndLinePosition.Character);
        }

        public Location ToLocation() =>
            Location.Create(Path, new TextSpan(Start, Length),
                new LinePositionSpan(new LinePosition(Line, Column), new LinePosition(EndLine, EndColumn)));
    }
}
