using System.Linq;
using System.Threading;
using DeepCoro.Spec;
using DeepCoro.Spec.Json;
using Microsoft.CodeAnalysis;

namespace DeepCoro.Generator
{
    /// <summary>
    /// One IR file after reading and validation: its resolved plan (null when it has errors) and its findings. Holds
    /// no Roslyn symbols or texts, so the incremental pipeline caches it by value.
    /// </summary>
    public sealed record SpecFile(string Path, ModelPlan? Plan, LocationInfo NameLocation, EquatableList<DiagnosticInfo> Diagnostics)
    {
        public static SpecFile Read(AdditionalText file, CancellationToken cancellation)
        {
            var text = file.GetText(cancellation);
            if (text == null)
            {
                var nowhere = new LocationInfo(file.Path, 0, 0, 0, 0, 0, 0);
                var unreadable = new DiagnosticInfo(DiagnosticCodes.Malformed, nowhere, "the spec file cannot be read");
                return new SpecFile(file.Path, null, nowhere, EquatableList.Of(unreadable));
            }
            var content = text.ToString();
            var result = SpecJson.Read(content);
            var diagnostics = result.Diagnostics.Select(d => DiagnosticInfo.From(file.Path, text, d)).ToEquatableList();
            // The reader keeps its positions to itself; a valid spec parses, so its name's position is one parse away.
            var name = result.Spec == null ? null : JsonParser.Parse(content).Get("name");
            return new SpecFile(file.Path, result.Plan, LocationInfo.At(file.Path, text, name?.Line ?? 0, name?.Column ?? 0), diagnostics);
        }
    }
}
