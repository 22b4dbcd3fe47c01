using System;
using System.Globalization;

namespace DeepCoro.Yaml
{
    /// <summary>How scalar text reads as a typed value: invariant culture, finite numbers only.</summary>
    public static class YamlScalars
    {
        // NumberStyles.Integer also allows surrounding blanks, which only quoted scalars can carry
        public static bool TryInt(string text, out int value) =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

        public static bool TryFloat(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

        public static bool TryBool(string text, out bool value)
        {
            value = string.Equals(text, "true", StringComparison.OrdinalIgnoreCase);
            return value || string.Equals(text, "false", StringComparison.OrdinalIgnoreCase);
        }
    }
}
