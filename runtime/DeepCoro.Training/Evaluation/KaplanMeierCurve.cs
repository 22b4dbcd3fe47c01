namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// A Kaplan-Meier estimate, one row per distinct time with positive weight (as R survival's survfit): the
    /// weighted number at risk just before it, the events and censorings at it, and the survival just after it.
    /// </summary>
    public sealed record KaplanMeierCurve(double[] Time, double[] AtRisk, double[] Events, double[] Censored, double[] Survival);
}
