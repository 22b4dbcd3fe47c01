using System.Collections.Generic;

namespace DeepCoro.Runtime.IO
{
    /// <summary>A safetensors header: the __metadata__ strings, the
    /// tensor entries in file order, and where the data starts.</summary>
    public sealed record SafetensorsHeader(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafetensorsEntry> Entries, long DataStart);
}
