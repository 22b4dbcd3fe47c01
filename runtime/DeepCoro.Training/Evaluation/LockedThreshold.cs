namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// One locked operating threshold: of a binary head (<see cref="Class"/> null) or of one class of a multiclass
    /// head (one-vs-rest); the rule that chose it and where: "val" (chosen on the validation split), "fixed" (a
    /// value the config gave) or "fallback" (validation had one class for it: 0.5, with <see cref="Note"/>).
    /// </summary>
    public sealed record LockedThreshold(string? Class, double Value, string Rule, string ChosenOn, string? Note = null);
}
