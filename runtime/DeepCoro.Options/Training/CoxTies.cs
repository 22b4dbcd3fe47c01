namespace DeepCoro.Runtime.Training
{
    /// <summary>How the Cox partial likelihood treats events at one time: Efron's approximation (R survival's
    /// default) or Breslow's.</summary>
    public enum CoxTies { Efron, Breslow }
}
