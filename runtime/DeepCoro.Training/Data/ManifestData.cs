using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Data
{
    /// <summary>The studies of a manifest, by split, in manifest order,
    /// and one note per kind of row the reading dropped.</summary>
    public sealed record ManifestData(
        IReadOnlyList<Study> Train, IReadOnlyList<Study> Val, IReadOnlyList<Study> Test, IReadOnlyList<Study> Inference, IReadOnlyList<string> Notes)
    {
        /// <summary>The split names runs use, in this order.</summary>
        public static readonly IReadOnlyList<string> SplitNames = new[] { "train", "val", "test", "inference" };

        /// <summary>What still works but may not be what the user thinks
        /// (a group spanning two splits), one line each.</summary>
        public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

        public IReadOnlyList<Study> Split(string name) => name switch
        {
            "train" => Train,
            "val" => Val,
            "test" => Test,
            "inference" => Inference,
            _ => throw new DataException($"split '{name}': expected train, val, test or inference"),
        };
    }
}
