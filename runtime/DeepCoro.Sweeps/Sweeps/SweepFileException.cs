using System.Collections.Generic;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>A sweep file that cannot be used: every error as <c>file:line:column: message</c>.</summary>
    public sealed class SweepFileException : DeepCoroUserException
    {
        public IReadOnlyList<string> Errors { get; }
        public SweepFileException(IReadOnlyList<string> errors) : base(string.Join("\n", errors)) { Errors = errors; }
    }
}
