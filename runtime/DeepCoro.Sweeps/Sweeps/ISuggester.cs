using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Proposes the values of trial <c>index</c> from the trials before it.
    /// Same inputs, same proposal.</summary>
    public interface ISuggester
    {
        /// <summary>How many distinct trials the method can propose (grid), or null when unbounded.</summary>
        int? Size { get; }
        JsonObject Suggest(int index, IReadOnlyList<Observation> earlier);
    }
}
