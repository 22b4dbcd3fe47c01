namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Where one attempt of a trial reads its config and writes its run and logs.</summary>
    public sealed record TrialLaunch(int Index, string ConfigPath, string RunDir, string LogDir);
}
