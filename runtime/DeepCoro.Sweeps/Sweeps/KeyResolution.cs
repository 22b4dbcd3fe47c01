using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// What a key space says of one sweep parameter. Swept: <c>Path</c> is the chain of keys from the top of the
    /// config, <c>Message</c> an optional note (e.g. "not in the base; added at optimizer.attention_across_lr").
    /// NotSwept: <c>Message</c> says why, as one phrase that parameters sharing it are listed under. Error:
    /// <c>Message</c> says what is wrong and suggests the fix.
    /// </summary>
    public sealed record KeyResolution(KeyResolutionKind Kind, IReadOnlyList<string> Path, string? Message)
    {
        public static KeyResolution At(IReadOnlyList<string> path, string? note = null) => new(KeyResolutionKind.Swept, path, note);

        public static KeyResolution NotSwept(string why) => new(KeyResolutionKind.NotSwept, Array.Empty<string>(), why);

        public static KeyResolution Error(string message) => new(KeyResolutionKind.Error, Array.Empty<string>(), message);
    }
}
