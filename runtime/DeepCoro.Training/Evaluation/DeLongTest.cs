namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// DeLong's paired test of two correlated AUCs on the same studies (pROC's <c>roc.test(method = "delong",
    /// paired = TRUE)</c>): <see cref="Difference"/> = AUC A - AUC B, its standard error,
    /// z = difference / error (0 when both are 0), the two-sided p value and the
    /// normal interval of the difference at <see cref="Level"/> (not clipped).
    /// </summary>
    public sealed record DeLongTest(
        double AucA, double AucB, double Difference, double StandardError, double Z, double P, double Lower, double Upper, double Level,
        int Positives, int Negatives);
}
