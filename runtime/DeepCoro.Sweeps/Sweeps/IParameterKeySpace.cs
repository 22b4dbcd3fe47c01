using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The keys of one base-config layout: where a sweep parameter lands in a trial config. Each layout (this
    /// project's nested training config; DeepCORO_CLIP's flat one) has its own, so a sweep file written for either
    /// resolves against the base it is run with, and every problem is known before a trial runs.
    /// </summary>
    public interface IParameterKeySpace
    {
        /// <summary>The layout, as messages name it ("this project's training config").</summary>
        string Layout { get; }

        /// <summary>Keys whose relative values are paths against the base config's folder: trial configs live in the
        /// sweep directory, so these are made absolute there.</summary>
        IReadOnlyCollection<string> PathKeys { get; }

        /// <summary>Where <paramref name="parameter"/> (a dotted sweep parameter name) goes, why it is not swept, or
        /// why it cannot be.</summary>
        KeyResolution Resolve(string parameter);
    }
}
