using DeepCoro.Runtime.Data;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// One batch's outcome before <see cref="SplitResults"/> records it: per study its videos and scores per head,
    /// per head the sum and count of its per-sample losses, and the weighted loss (a tensor, for backward).
    /// </summary>
    public sealed record MeasuredBatch(Study[] Studies, int[] Videos, double[][][] Scores, double[] LossSums, double[] LossCounts, Tensor Total);
}
