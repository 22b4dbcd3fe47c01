using System.Linq;
using DeepCoro.Spec;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DeepCoro.Generator
{
    /// <summary>
    /// A diagnostic as plain values (its code, where it stands, its message arguments), turned into a Roslyn
    /// <see cref="Diagnostic"/> only when reported.
    /// </summary>
    public sealed record DiagnosticInfo(string Code, LocationInfo Location, EquatableList<string> Arguments)
    {
        public DiagnosticInfo(string code, LocationInfo location, params string[] arguments)
            : this(code, location, arguments.ToEquatableList()) { }

        /// <summary>
        /// A finding of the spec's reader or validator, which words it once for run time and build time: its field
        /// and its text are the descriptor's two arguments, except for DC0001, whose format takes the message whole
        /// because a JSON syntax error names no field.
        /// </summary>
        public static DiagnosticInfo From(string path, SourceText text, SpecDiagnostic d)
        {
            var at = LocationInfo.At(path, text, d.Line, d.Column);
            return d.Code == DiagnosticCodes.Malformed
                ? new DiagnosticInfo(d.Code, at, d.Path == "$" ? d.Message : d.Path + ": " + d.Message)
                : new DiagnosticInfo(d.Code, at, d.Path, d.Message);
        }

        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(Descriptors.For(Code), Location.ToLocation(), Arguments.Cast<object>().ToArray());
    }
}
