using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DeepCoro.Generator
{
    /// <summary>
    /// Where a finding stands in a spec file, as plain values: a Roslyn <see cref="Location"/> holds no value
    /// equality, and the pipeline's models must compare by content to be cached.
    /// </summary>
    public sealed record LocationInfo(string Path, int Start, int Length, int Line, int Column, int EndLine, int EndColumn)
    {
        public Location ToLocation() =>
            Location.Create(Path, new TextSpan(Start, Length),
                new LinePositionSpan(new LinePosition(Line, Column), new LinePosition(EndLine, EndColumn)));

        /// <summary>From the 1-based line and column the spec reader reports (0 = unknown: the file's start) to the rest of that line.</summary>
        public static LocationInfo At(string path, SourceText text, int line, int column)
        {
            if (text.Lines.Count == 0 || line < 1) return new LocationInfo(path, 0, 0, 0, 0, 0, 0);
            var textLine = text.Lines[System.Math.Min(line, text.Lines.Count) - 1];
            int start = System.Math.Min(textLine.Start + System.Math.Max(column - 1, 0), textLine.End);
            int end = textLine.End;
            while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
            int lineIndex = textLine.LineNumber;
            return new LocationInfo(path, start, end - start, lineIndex, start - textLine.Start, lineIndex, end - textLine.Start);
        }
    }

    /// <summary>A diagnostic as plain values, turned into a Roslyn <see cref="Diagnostic"/> only when reported.</summary>
    public sealed record DiagnosticInfo(string Code, Severity Severity, string Message, LocationInfo Location)
    {
        public static DiagnosticInfo From(string path, SourceText text, SpecDiagnostic d) =>
            new DiagnosticInfo(d.Code, d.Severity, d.Path == "$" ? d.Message : d.Path + ": " + d.Message, LocationInfo.At(path, text, d.Line, d.Column));

        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(Descriptors.For(Code), Location.ToLocation(),
                Severity == Severity.Error ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
                additionalLocations: null, properties: null, Message);
    }

    /// <summary>One descriptor per DC code, titled from the spec's own table so the codes exist once.</summary>
    public static class Descriptors
    {
        public const string Category = "DeepCoro.Spec";

        /// <summary>Generator-only: two spec files of one project declare the same model name.</summary>
        public const string DuplicateModel = "DC0015";

        private static readonly Dictionary<string, DiagnosticDescriptor> ByCode =
            DiagnosticCodes.Titles
                .Concat(new[] { new KeyValuePair<string, string>(DuplicateModel, "Two spec files declare the same model name") })
                .ToDictionary(t => t.Key, t => new DiagnosticDescriptor(
                    t.Key, t.Value, "{0}", Category,
                    // DC1xxx are warnings: legal specs that are likely mistakes.
                    t.Key.StartsWith("DC1") ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
                    isEnabledByDefault: true));

        public static IEnumerable<DiagnosticDescriptor> All => ByCode.Values;

        public static DiagnosticDescriptor For(string code) => ByCode[code];
    }
}
