using System;

namespace DeepCoro.Runtime.CrossValidation
{
    /// <summary>A cross-validation that cannot be set up or resumed as asked: the message names the option, fold or
    /// file, and the fix.</summary>
    public sealed class CrossValidationException : Exception
    {
        public CrossValidationException(string message) : base(message) { }
    }
}
