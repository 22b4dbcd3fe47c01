namespace DeepCoro.Runtime.Data
{
    /// <summary>The two manifest columns of a survival head: the follow-up time and the event indicator (1 = the
    /// event happened at that time, 0 = censored then).</summary>
    public sealed record SurvivalColumns(string Time, string Event);
}
