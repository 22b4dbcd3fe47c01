using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using Microsoft.CodeAnalysis;

namespace DeepCoro.Generator
{
    /// <summary>
    /// Turns every <c>*.deepcoro.json</c> AdditionalFile into a typed TorchSharp module. Each file is read and
    /// validated into a value-equal <see cref="SpecFile"/> (cached per file) whose DC diagnostics are reported on
    /// their own; each valid spec, narrowed to its <see cref="SpecModel"/>, is emitted as one source. Only the model
    /// names are gathered across files, for the one project-wide rule (DC0015), so editing one spec re-emits that
    /// spec alone, and an edit that leaves its model as it was (a moved line) re-emits nothing.
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
            /// <summary>Each file read and validated: a <see cref="SpecFile"/>.</summary>
            public const string Read = "DeepCoro.Read";
            /// <summary>Each valid spec narrowed to its <see cref="SpecModel"/>, without positions.</summary>
            public const string Specs = "DeepCoro.Specs";
            /// <summary>Every valid spec's <see cref="ModelName"/>, in path order.</summary>
            public const string Names = "DeepCoro.Names";
            /// <summary>The paths of the specs whose model name an earlier file already declares.</summary>
            public const string Shadowed = "DeepCoro.Shadowed";
            public const string Namespace = "DeepCoro.Namespace";
            /// <summary>Each spec model with the shadowed paths and the namespace:
            /// what its source is made of.</summary>
            public const string Models = "DeepCoro.Models";
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

            var valid = files.Where(f => f.Plan != null);

            var names = valid
                .Select((f, _) => new ModelName(f.Plan!.Spec.Name, f.Path, f.NameLocation))
                .Collect()
                .Select((all, _) => all.OrderBy(n => n.Path, StringComparer.Ordinal).ToEquatableList())
                .WithTrackingName(Steps.Names);

            context.RegisterSourceOutput(names, (output, all) =>
            {
                foreach (var (name, first) in Duplicates(all))
                {
                    output.ReportDiagnostic(
                        Diagnostic.Create(Descriptors.DuplicateModel, name.Location.ToLocation(), name.Name, first.FileName));
                }
            });

            // Paths alone, no positions: a moved line in any file leaves this equal, so no model re-runs for it.
            var shadowed = names
                .Select((all, _) => Duplicates(all).Select(d => d.Name.Path).ToEquatableList())
                .WithTrackingName(Steps.Shadowed);

            var ns = context.AnalyzerConfigOptionsProvider
                .Select((options, _) =>
                    options.GlobalOptions.TryGetValue(NamespaceOption, out var value) && !string.IsNullOrWhiteSpace(value)
                        ? value.Trim() : DefaultNamespace)
                .WithTrackingName(Steps.Namespace);

            var models = valid
                .Select((f, _) => new SpecModel(f.Path, f.Plan!))
                .WithTrackingName(Steps.Specs)
                .Combine(shadowed)
                .Combine(ns)
                .WithTrackingName(Steps.Models);

            context.RegisterSourceOutput(models, (output, input) =>
            {
                var ((model, shadowedPaths), ns) = input;
                // A second declaration of a model name gets DC0015 above rather than a clash of sources.
                if (shadowedPaths.Contains(model.Path)) return;
                output.AddSource(model.Plan.Spec.Name + ".g.cs", ModelEmitter.Emit(model.Plan, model.FileName, ns));
            });
        }

        /// <summary>
        /// Each name that an earlier file (in path order; names compared ignoring case)
        /// already declares, with that first declaration.
        /// </summary>
        private static IEnumerable<(ModelName Name, ModelName First)> Duplicates(IEnumerable<ModelName> byPath)
        {
            var first = new Dictionary<string, ModelName>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in byPath)
            {
                if (first.TryGetValue(name.Name, out var earlier)) yield return (name, earlier);
                else first[name.Name] = name;
            }
        }
    }
}
