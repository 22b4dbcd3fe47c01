namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>The metric a sweep optimises: a key of the trial's metrics log, e.g. <c>val/main_loss</c>.</summary>
    public sealed record SweepMetric(string Name, Goal Goal)
    {
        /// <summary>True when <paramref name="a"/> is strictly better than <paramref name="b"/>.</summary>
        public bool Better(double a, double b) => Goal == Goal.Minimize ? a < b : a > b;

        /// <summary>The value in "lower is better" form, which the optimiser and the rungs compare.</summary>
        public double AsLoss(double v) => Goal == Goal.Minimize ? v : -v;
    }
}
