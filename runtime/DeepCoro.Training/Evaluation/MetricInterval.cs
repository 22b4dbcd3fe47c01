namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>A confidence interval of one metric; NaN bounds when no resample gave a finite value.</summary>
    public readonly record struct MetricInterval(double Lower, double Upper);
}
