using System;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>An encoder file that cannot be used: the message names the file and what was found instead.</summary>
    public sealed class EncoderException : Exception
    {
        public EncoderException(string message) : base(message) { }
    }
}
