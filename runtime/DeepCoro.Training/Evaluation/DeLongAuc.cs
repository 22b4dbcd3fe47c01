namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// One AUC with DeLong's variance and its normal interval at <see cref="Level"/>,
    /// clipped to [0, 1] as pROC's <c>ci.auc(method = "delong")</c> clips it;
    /// variance and bounds are NaN with fewer than two studies of a class.
    /// </summary>
    public sealed record DeLongAuc(double Auc, double Variance, double Lower, double Upper, double Level, int Positives, int Negatives);
}
