using DeepCoro.Spec;

namespace DeepCoro.Runtime.IO
{
    /// <summary>A safetensors file that cannot be read: the message names the file and what is wrong with
    /// it.</summary>
    public sealed class SafetensorsException : DeepCoroUserException
    {
        public SafetensorsException(string message) : base(message) { }
        public SafetensorsException(string message, Remedy fix) : base(message, fix) { }
    }
}
