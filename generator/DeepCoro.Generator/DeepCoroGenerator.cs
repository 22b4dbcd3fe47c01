using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using Microsoft.CodeAnalysis;

namespace DeepCoro.Generator
{
    /// <summary>
    /// Turns every <c>*.deepcoro.json</c> AdditionalFile into a typed TorchSharp module. One pipeline: each file is
    /// read and validated into a value-equal <see cref="SpecFile"/> (cached per file); its DC diagnostics are
    /// reported on their own, and the valid specs are emitted, one source per model.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class DeepCoroGenerator : IIncrementalGenerator
    {
        public const string SpecSuffix = ".deepcoro.json";
        public const string NamespaceOption = "build_property.DeepCoroNamespace";
        public const string DefaultNamespace = "DeepCoro.Generated";

        /// <summary>Names of the pipeline steps, for the incremental-caching tests.</summary>
        public static class Steps
        {
            public const string Read = "DeepCoro.Read";
            public const string Models = "DeepCoro.Models";
            public const string Namespace = "DeepCoro.Namespace";
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var files = context.AdditionalTextsProvider
                .Where(f => f.Path.EndsWith(SpecSuffix, StringComparison.OrdinalIgnoreCase))
                .Select((file, cancellation) => SpecFile.Read(file, cancellation))
                .WithTrackingName(Steps.Read);

            context.RegisterSourceOutput(files, (output, file) =>
            {
                foreach (var d in file.Diagnostics) output.ReportDiagnostic(d.ToDiagnostic());
            });

            var ns = context.AnalyzerConfigOptionsProvider
                .Select((options, _) => options.GlobalOptions.TryGetValue(NamespaceOption, out var value) && !string.IsNullOrWhiteSpace(value)
                    ? value.Trim() : DefaultNamespace)
                .WithTrackingName(Steps.Namespace);

            // Collected so that two files declaring one model name get a diagnostic rather than a clash of sources.
            var models = files
                .Where(f => f.Spec != null)
                .Collect()
                .Select((all, _) => all.OrderBy(f => f.Path, StringComparer.Ordinal).ToEquatableList())
                .Combine(ns)
                .WithTrackingName(Steps.Models);

            context.RegisterSourceOutput(models, (output, input) => Emit(output, input.Left, input.Right));
        }

        private static void Emit(SourceProductionContext output, IReadOnlyList<SpecFile> files, string ns)
        {
            var seen = new Dictionary<string, SpecFile>(StringComparer.OrdinalIgnoreCase);
            foreach (var file in files)
            {
                var spec = file.Spec!;
                if (seen.TryGetValue(spec.Name, out var first))
                {
                    output.ReportDiagnostic(Diagnostic.Create(Descriptors.DuplicateModel, file.NameLocation.ToLocation(), spec.Name, first.FileName));
                    continue;
                }
                seen[spec.Name] = file;
                output.AddSource(spec.Name + ".g.cs", ModelEmitter.Emit(spec, file.FileName, ns));
            }
        }
    }
}
