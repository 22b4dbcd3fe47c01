using DeepCoro.Spec;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>Training stopped: too many optimizer steps in a row had a non-finite loss or gradient.</summary>
    public sealed class NonFiniteTrainingException : DeepCoroUserException
    {
        public NonFiniteTrainingException(string message) : base(message) { }
    }
}
