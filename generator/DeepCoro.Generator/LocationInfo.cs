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

        /// <summary>
        /// From the 1-based line and column the spec reader reports (0 = unknown:
        /// the file's start) to the rest of that line.
        /// </summary>
        public static LocationInfo At(string path, SourceText text, int line, int column)
        {
            if (text.Lines.Count == 0 || line < 1) return new LocationInfo(path, 0, 0, 0, 0, 0, 0);
            var textLine = text.Lines[System.Math.Min(line, text.Lines.Count) - 1];
            var start = System.Math.Min(textLine.Start + System.Math.Max(column - 1, 0), textLine.End);
            var end = textLine.End;
            while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
            var lineIndex = textLine.LineNumber;
            return new LocationInfo(path, start, end - start, lineIndex, start - textLine.Start, lineIndex, end - textLine.Start);
        }
    }
}
