namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// The threshold a binary head's subgroup metrics use, and where it comes from, said next to the numbers: the
    /// run's locked threshold (<see cref="LockedThresholds"/>, thresholds.json) when the run has one, else 0.5,
    /// stated as not chosen on data (weights trained elsewhere or a run written before thresholds were locked;
    /// a threshold chosen on the evaluated studies would flatter them).
    /// </summary>
    public sealed record ThresholdUsed(double Value, string Source)
    {
        /// <param name="locked">the run's thresholds.json as read; null when it has none.</param>
        public static ThresholdUsed Of(LockedThresholds? locked, string head) => locked?.For(head) switch
        {
            { ChosenOn: "val" } t => new ThresholdUsed(t.Value, $"locked: {t.Rule}, chosen on val (thresholds.json)"),
            { ChosenOn: "fixed" } t => new ThresholdUsed(t.Value, $"locked: {t.Rule}, fixed in the config (thresholds.json)"),
            { } t => new ThresholdUsed(t.Value, $"locked fallback, not chosen on data (thresholds.json){(t.Note is null ? "" : ": " + t.Note)}"),
            null => new ThresholdUsed(0.5, "0.5, not chosen on data: the run has no thresholds.json"),
        };
    }
}
