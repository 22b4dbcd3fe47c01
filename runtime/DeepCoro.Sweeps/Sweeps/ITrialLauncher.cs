namespace DeepCoro.Runtime.Sweeps
{
    public interface ITrialLauncher
    {
        IRunningTrial Start(TrialLaunch launch);
    }
}
