namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Loss options that the spec's loss kinds leave open. <paramref name="FocalAlpha"/> weighs a binary focal loss's
    /// positives by alpha and its negatives by 1 - alpha (DeepCORO_CLIP's binary_focal uses 0.25); null weighs none.
    /// </summary>
    public sealed record LossOptions(double HuberDelta = 0.1, double FocalGamma = 2.0, double? FocalAlpha = null)
    {
        /// <summary>A copy with the given options changed: C#'s <c>with</c> for callers without it, such as
        /// F#.</summary>
        public LossOptions With(double? huberDelta = null, double? focalGamma = null, double? focalAlpha = null) =>
            new LossOptions(huberDelta ?? HuberDelta, focalGamma ?? FocalGamma, focalAlpha ?? FocalAlpha);
    }
}
