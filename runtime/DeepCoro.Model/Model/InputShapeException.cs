using DeepCoro.Spec;

namespace DeepCoro.Runtime.Model
{
    /// <summary>An input that does not fit the spec: the message quotes what the spec expects and what came.</summary>
    public sealed class InputShapeException : DeepCoroUserException
    {
        public InputShapeException(string message) : base(message) { }
    }
}
