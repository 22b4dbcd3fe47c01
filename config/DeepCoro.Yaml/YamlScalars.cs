using System;
using System.Globalization;

namespace DeepCoro.Yaml
{
    /// <summary>How scalar text reads as a typed value: invariant culture, finite numbers only.</summary>
    public static class YamlScalars
    {
        /// <summary>An integer, also written as a float with no fraction
        /// (<c>!!float 2.0</c> where an integer is meant).</summary>
        public static bool TryInt(string text, out int value)
        {
            // NumberStyles.Integer also allows surrounding blanks, which only quoted scalars can carry
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)) return true;
            if (TryFloat(text, out var number) && number == Math.Floor(number) && number >= int.MinValue && number <= int.MaxValue)
            {
                value = (int)number;
                return true;
            }
            return false;
        }

        public static bool TryFloat(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

        public static bool TryBool(string text, out bool value)
        {
            value = string.Equals(text, "true", StringComparison.OrdinalIgnoreCase);
            return value || string.Equals(text, "false", StringComparison.OrdinalIgnoreCase);
        }
    }
}
