using System;

namespace DeepCoro.Runtime.IO
{
    /// <summary>Weights that do not fit a model: lists missing and unexpected keys,
    /// or the key whose shape differs.</summary>
    public sealed class StateDictException : Exception
    {
        public StateDictException(string message) : base(message) { }
    }
}
