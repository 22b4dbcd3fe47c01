namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Loss options that the spec's loss kinds leave open. <paramref name="FocalAlpha"/> weighs a binary focal loss's
    /// positives by alpha and its negatives by 1 - alpha (DeepCORO_CLIP's binary_focal uses 0.25); null weighs none.
    /// <paramref name="Ties"/> is how a Cox loss treats events at one time (Efron by default, as R survival).
    /// </summary>
    [GenerateWith]
    public sealed partial record LossOptions(double HuberDelta = 0.1, double FocalGamma = 2.0, double? FocalAlpha = null, CoxTies Ties = CoxTies.Efron);
}
