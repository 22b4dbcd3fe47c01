using System.Collections.Generic;
using System.Text;

namespace DeepCoro.Runtime.Data
{
    /// <summary>Splits one line of delimited text; fields may be
    /// double-quoted ("" inside quotes is a quote).</summary>
    public static class DelimitedText
    {
        public static List<string> Split(string line, string separator)
        {
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        field.Append(c);
                    }
                }
                else if (c == '"' && field.Length == 0)
                {
                    quoted = true;
                }
                else if (string.CompareOrdinal(line, i, separator, 0, separator.Length) == 0)
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    i += separator.Length - 1;
                }
                else
                {
                    field.Append(c);
                }
            }
            fields.Add(field.ToString());
            return fields;
        }
    }
}
