
namespace DeepCoro.Runtime.Training
{
    /// <summary>Where training stands after an epoch: enough to continue exactly as if never stopped.</summary>
    /// <param name="BestEpoch">the best epoch so far, counted from 1;
    /// 0 while no epoch has improved on the start.</param>
    public sealed record TrainingState(int EpochsDone, long Step, double Best, int BestEpoch, int EpochsWithoutImprovement);
}
