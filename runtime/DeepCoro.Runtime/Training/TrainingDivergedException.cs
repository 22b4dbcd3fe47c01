using System;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The training loss became NaN or infinite: every later step would only spread it. The message names the epoch
    /// and batch, the options that usually cause it, and what is left of the run.
    /// </summary>
    public sealed class TrainingDivergedException : Exception
    {
        public TrainingDivergedException(string message) : base(message) { }
    }
}
