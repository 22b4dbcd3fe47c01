using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// A Python dict or OrderedDict from a pickle: entries in insertion order; keys are strings, integers, floats,
    /// booleans, tuples or None, compared as .NET values (so a repeated key replaces its value, as in Python).
    /// </summary>
    public sealed class PickledDict
    {
        private static readonly object NoneKey = new();
        private readonly List<KeyValuePair<object?, object?>> entries = new();
        private readonly Dictionary<object, int> index = new();

        public IReadOnlyList<KeyValuePair<object?, object?>> Entries => entries;

        public int Count => entries.Count;

        public void Set(object? key, object? value)
        {
            if (index.TryGetValue(key ?? NoneKey, out var at))
            {
                entries[at] = new(key, value);
            }
            else
            {
                index[key ?? NoneKey] = entries.Count;
                entries.Add(new(key, value));
            }
        }

        public bool TryGetValue(string key, out object? value)
        {
            if (index.TryGetValue(key, out var at))
            {
                value = entries[at].Value;
                return true;
            }
            value = null;
            return false;
        }

        /// <summary>The first keys for a message: "[a, b, c]", or "[a, ..., h, ... (30 in all)]".</summary>
        public string KeySummary(int shown = 8) =>
            "[" + string.Join(", ", entries.Take(shown).Select(e => e.Key?.ToString() ?? "None")) + (Count > shown ? $", ... ({Count} in all)" : "") + "]";
    }
}
