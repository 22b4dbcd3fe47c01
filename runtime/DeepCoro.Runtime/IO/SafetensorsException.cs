using System;

namespace DeepCoro.Runtime.IO
{
    /// <summary>A safetensors file that cannot be read: the
    /// message names the file and what is wrong with it.</summary>
    public sealed class SafetensorsException : Exception
    {
        public SafetensorsException(string message) : base(message) { }
    }
}
