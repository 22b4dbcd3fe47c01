namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Checks a trial's merged config before launch: null when it may run,
    /// else the reason (e.g. the DC0003 message).</summary>
    public interface ITrialValidator
    {
        string? Check(string configPath, string configText);
    }
}
