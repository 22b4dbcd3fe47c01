using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepCoro.Options.Generator
{
    /// <summary>
    /// Gives every <c>partial record</c> marked <c>[GenerateWith]</c> a <c>With(...)</c> copy method: one optional
    /// nullable parameter per public init property, in declaration order, named as the property in camelCase, null
    /// keeping the value (<c>this with { P = p ?? P, ... }</c>). F# has no <c>with</c> for C# records; this method is
    /// theirs, and a new property needs no hand-written parameter. The attribute is DeepCoro.Options's own
    /// (<c>DeepCoro.Runtime.GenerateWithAttribute</c>), found by its metadata name. A mark on anything but a top-level
    /// partial record is error DCW001.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class WithGenerator : IIncrementalGenerator
    {
        public const string AttributeMetadataName = "DeepCoro.Runtime.GenerateWithAttribute";

        /// <summary>The step that reads each marked type, for caching tests.</summary>
        public const string Step = "DeepCoro.With";

        public static readonly DiagnosticDescriptor NotPartialRecord = new(
            "DCW001", "[GenerateWith] needs a top-level partial record",
            "{0}: [GenerateWith] {1}; declare it 'partial record' at namespace level, or remove the attribute",
            "DeepCoro", DiagnosticSeverity.Error, isEnabledByDefault: true);

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var targets = context.SyntaxProvider.ForAttributeWithMetadataName(
                    AttributeMetadataName,
                    (node, _) => node is TypeDeclarationSyntax,
                    (c, cancellation) => WithTarget.Of((INamedTypeSymbol)c.TargetSymbol, (TypeDeclarationSyntax)c.TargetNode, cancellation))
                .WithTrackingName(Step);
            context.RegisterSourceOutput(targets, (output, target) =>
            {
                if (target.Failure != null)
                    output.ReportDiagnostic(Diagnostic.Create(NotPartialRecord, target.Site!.ToLocation(), target.TypeName, target.Failure));
                else
                    output.AddSource(target.HintName, target.Source!);
            });
        }
    }
}
