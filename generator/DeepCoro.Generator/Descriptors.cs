using DeepCoro.Spec;
using Microsoft.CodeAnalysis;

namespace DeepCoro.Generator
{
    /// <summary>
    /// Every DC code the generator reports. Titles come from the spec's table, so the codes exist once for run time
    /// and build time. The spec's findings are worded by its shared validator, so their format is the field at fault
    /// and that text; DC0xxx fail the build, DC1xxx are legal specs that are likely mistakes.
    /// </summary>
    public static class Descriptors
    {
        public const string Category = "DeepCoro";

        /// <summary>Generator only: the spec has no code for it.</summary>
        private const string DuplicateModelCode = "DC0015";

        /// <summary>{0}: the JSON path of the field at fault; {1}: what is wrong with it.</summary>
        private const string FieldFinding = "{0}: {1}";

        /// <summary>{0}: the whole message, as JSON syntax errors name no field.</summary>
        public static readonly DiagnosticDescriptor Malformed = new DiagnosticDescriptor(
            DiagnosticCodes.Malformed, Title(DiagnosticCodes.Malformed), "{0}", Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor UnsupportedVersion = new DiagnosticDescriptor(
            DiagnosticCodes.UnsupportedVersion, Title(DiagnosticCodes.UnsupportedVersion), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor HeadsDoNotDivide = new DiagnosticDescriptor(
            DiagnosticCodes.HeadsDoNotDivide, Title(DiagnosticCodes.HeadsDoNotDivide), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor UnknownAxis = new DiagnosticDescriptor(
            DiagnosticCodes.UnknownAxis, Title(DiagnosticCodes.UnknownAxis), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor AxisOrder = new DiagnosticDescriptor(
            DiagnosticCodes.AxisOrder, Title(DiagnosticCodes.AxisOrder), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor DuplicateHead = new DiagnosticDescriptor(
            DiagnosticCodes.DuplicateHead, Title(DiagnosticCodes.DuplicateHead), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor InvalidHeadName = new DiagnosticDescriptor(
            DiagnosticCodes.InvalidHeadName, Title(DiagnosticCodes.InvalidHeadName), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor InvalidOutputs = new DiagnosticDescriptor(
            DiagnosticCodes.InvalidOutputs, Title(DiagnosticCodes.InvalidOutputs), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor UnknownField = new DiagnosticDescriptor(
            DiagnosticCodes.UnknownField, Title(DiagnosticCodes.UnknownField), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor UnreducedAxes = new DiagnosticDescriptor(
            DiagnosticCodes.UnreducedAxes, Title(DiagnosticCodes.UnreducedAxes), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor SharedKeyConflict = new DiagnosticDescriptor(
            DiagnosticCodes.SharedKeyConflict, Title(DiagnosticCodes.SharedKeyConflict), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor InvalidValue = new DiagnosticDescriptor(
            DiagnosticCodes.InvalidValue, Title(DiagnosticCodes.InvalidValue), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor NoHeads = new DiagnosticDescriptor(
            DiagnosticCodes.NoHeads, Title(DiagnosticCodes.NoHeads), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ConcatMismatch = new DiagnosticDescriptor(
            DiagnosticCodes.ConcatMismatch, Title(DiagnosticCodes.ConcatMismatch), FieldFinding, Category,
            DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor HighDropout = new DiagnosticDescriptor(
            DiagnosticCodes.HighDropout, Title(DiagnosticCodes.HighDropout), FieldFinding, Category,
            DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor NarrowAttentionHead = new DiagnosticDescriptor(
            DiagnosticCodes.NarrowAttentionHead, Title(DiagnosticCodes.NarrowAttentionHead), FieldFinding, Category,
            DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ZeroLossWeight = new DiagnosticDescriptor(
            DiagnosticCodes.ZeroLossWeight, Title(DiagnosticCodes.ZeroLossWeight), FieldFinding, Category,
            DiagnosticSeverity.Warning, isEnabledByDefault: true);

        /// <summary>Generator only. {0}: the model name; {1}: the file that declared it first.</summary>
        public static readonly DiagnosticDescriptor DuplicateModel = new DiagnosticDescriptor(
            DuplicateModelCode, "Two spec files declare the same model name",
            "name: model '{0}' is also declared by {1}; every model of a project needs its own name",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        private static string Title(string code) => DiagnosticCodes.Titles[code];

        public static DiagnosticDescriptor For(string code) => code switch
        {
            DiagnosticCodes.Malformed => Malformed,
            DiagnosticCodes.UnsupportedVersion => UnsupportedVersion,
            DiagnosticCodes.HeadsDoNotDivide => HeadsDoNotDivide,
            DiagnosticCodes.UnknownAxis => UnknownAxis,
            DiagnosticCodes.AxisOrder => AxisOrder,
            DiagnosticCodes.DuplicateHead => DuplicateHead,
            DiagnosticCodes.InvalidHeadName => InvalidHeadName,
            DiagnosticCodes.InvalidOutputs => InvalidOutputs,
            DiagnosticCodes.UnknownField => UnknownField,
            DiagnosticCodes.UnreducedAxes => UnreducedAxes,
            DiagnosticCodes.SharedKeyConflict => SharedKeyConflict,
            DiagnosticCodes.InvalidValue => InvalidValue,
            DiagnosticCodes.NoHeads => NoHeads,
            DiagnosticCodes.ConcatMismatch => ConcatMismatch,
            DiagnosticCodes.HighDropout => HighDropout,
            DiagnosticCodes.NarrowAttentionHead => NarrowAttentionHead,
            DiagnosticCodes.ZeroLossWeight => ZeroLossWeight,
            DuplicateModelCode => DuplicateModel,
            _ => throw new System.ArgumentException($"no descriptor for {code}", nameof(code)),
        };
    }
}
