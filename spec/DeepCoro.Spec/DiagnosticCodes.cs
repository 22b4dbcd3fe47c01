using System.Collections.Generic;

namespace DeepCoro.Spec
{
    /// <summary>Every code a spec can get; the generator reports the same codes at build time.</summary>
    public static class DiagnosticCodes
    {
        public const string Malformed = "DC0001";
        public const string UnsupportedVersion = "DC0002";
        public const string HeadsDoNotDivide = "DC0003";
        public const string UnknownAxis = "DC0004";
        public const string AxisOrder = "DC0005";
        public const string DuplicateHead = "DC0006";
        public const string InvalidHeadName = "DC0007";
        public const string InvalidOutputs = "DC0008";
        public const string UnknownField = "DC0009";
        public const string UnreducedAxes = "DC0010";
        public const string SharedKeyConflict = "DC0011";
        public const string InvalidValue = "DC0012";
        public const string NoHeads = "DC0013";
        public const string ConcatMismatch = "DC0014";
        public const string HighDropout = "DC1001";
        public const string NarrowAttentionHead = "DC1002";
        public const string ZeroLossWeight = "DC1003";

        public static readonly IReadOnlyDictionary<string, string> Titles = new Dictionary<string, string>
        {
            [Malformed] = "Malformed spec: not JSON, a wrong type, or a required field missing",
            [UnsupportedVersion] = "Unsupported IR version",
            [HeadsDoNotDivide] = "Attention heads do not divide the width of a cls_token level",
            [UnknownAxis] = "A level pools over an axis the input does not have",
            [AxisOrder] = "A level pools an axis twice or out of order (innermost first)",
            [DuplicateHead] = "Duplicate head name (also after mangling to a C# identifier)",
            [InvalidHeadName] = "Invalid head name",
            [InvalidOutputs] = "Output count invalid for the task kind",
            [UnknownField] = "Unknown field",
            [UnreducedAxes] = "The pooling leaves input axes unreduced",
            [SharedKeyConflict] = "Levels share a parameter key but disagree on its shape or options",
            [InvalidValue] = "Invalid value (dimension, dropout, enum, loss for the task)",
            [NoHeads] = "The spec has no heads",
            [ConcatMismatch] = "Concat branches are empty or reduce different axes",
            [HighDropout] = "Dropout of 0.5 or more (warning)",
            [NarrowAttentionHead] = "Attention head width below 16 (warning)",
            [ZeroLossWeight] = "A loss weight of 0: the head trains nothing (warning)",
        };
    }
}
