namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Swept: the value is written at a path of the trial config. NotSwept: the parameter is left out of the
    /// search with a warning (trials still run). Error: the sweep cannot start.</summary>
    public enum KeyResolutionKind { Swept, NotSwept, Error }
}
