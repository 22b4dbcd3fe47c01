using DeepCoro.Spec;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>An encoder file that cannot be used: the message names the file and what was found instead.</summary>
    public sealed class EncoderException : DeepCoroUserException
    {
        public EncoderException(string message) : base(message) { }
        public EncoderException(string message, Remedy fix) : base(message, fix) { }
    }
}
