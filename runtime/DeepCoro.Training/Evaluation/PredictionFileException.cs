using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>A prediction file that cannot be compared: the message names the file, the column or the row, and
    /// <see cref="Problem"/> says which kind of fault it is.</summary>
    public sealed class PredictionFileException : DeepCoroUserException
    {
        public PredictionFileException(PredictionProblem problem, string message) : base(message) => Problem = problem;

        public PredictionProblem Problem { get; }
    }
}
