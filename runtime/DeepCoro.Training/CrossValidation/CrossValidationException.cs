using DeepCoro.Spec;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>A cross-validation that cannot be set up or resumed as asked: the message names the option, fold or
    /// file, and the fix.</summary>
    public sealed class CrossValidationException : DeepCoroUserException
    {
        public CrossValidationException(string message) : base(message) { }
        public CrossValidationException(string message, Remedy fix) : base(message, fix) { }
    }
}
