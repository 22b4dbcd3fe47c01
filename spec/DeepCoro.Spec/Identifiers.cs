using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace DeepCoro.Spec
{
    /// <summary>How head names become C# property names: "stenosis_grade"
    /// and "stenosis-grade" both give "StenosisGrade".</summary>
    public static class Identifiers
    {
        /// <summary>A head name is a letter followed by letters, digits,
        /// '_' or '-' (it becomes part of a state_dict key).</summary>
        public static bool IsValidName(string name) =>
            name.Length > 0 && name.Length <= 64 && IsAsciiLetter(name[0]) && name.All(c => IsAsciiLetter(c) || char.IsDigit(c) || c == '_' || c == '-');

        /// <summary>A name of letters, digits and '_' starting with a letter: axes and model names.</summary>
        public static bool IsSimpleName(string name) =>
            name.Length > 0 && IsAsciiLetter(name[0]) && name.All(c => IsAsciiLetter(c) || char.IsDigit(c) || c == '_');

        /// <summary>Members of a generated model class: a model of one of these names would not compile.</summary>
        public static readonly IReadOnlyCollection<string> GeneratedModelMembers = new HashSet<string>
        {
            "Input", "Output", "Kernel", "ModelName", "EmbeddingDim", "HeadInputWidth", "ParameterCount", "ViewClasses", "Axes", "MaskedAxis",
            "HeadNames", "HeadOutputs", "forward",
        };

        /// <summary>Members of a generated Output record (its own and every record's):
        /// a head mangled to one would not compile.</summary>
        public static readonly IReadOnlyCollection<string> GeneratedOutputMembers = new HashSet<string>
        {
            "Output", "ToDictionary", "Equals", "GetHashCode", "ToString", "Deconstruct", "EqualityContract", "PrintMembers", "GetType", "MemberwiseClone",
        };

        public static string Mangle(string name)
        {
            var sb = new StringBuilder();
            var upper = true;
            foreach (var c in name)
            {
                if (c == '_' || c == '-') { upper = true; continue; }
                sb.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            return sb.ToString();
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
