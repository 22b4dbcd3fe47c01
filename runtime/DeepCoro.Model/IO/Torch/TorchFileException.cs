using DeepCoro.Spec;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// A .pt file that cannot be read or written, or that asks to build something other than tensors and plain
    /// containers: the message names the file and what is wrong, in one line.
    /// </summary>
    public sealed class TorchFileException : DeepCoroUserException
    {
        public TorchFileException(string message) : base(message) { }
    }
}
