using System;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>Loss options that the spec's loss kinds leave open.</summary>
    public sealed record LossOptions(double HuberDelta = 0.1, double FocalGamma = 2.0);

    /// <summary>
    /// Per-sample losses of one head on the labelled samples only. logits [M, n], target [M] (regression value,
    /// or class index as float); returns [M].
    /// </summary>
    public static class Losses
    {
        public static Tensor PerSample(HeadSpec head, Tensor logits, Tensor target, LossOptions options)
        {
            switch (head.Loss)
            {
                case LossKind.Mse:
                case LossKind.Rmse:
                    return (Regression(logits) - target).square();
                case LossKind.Mae:
                    return (Regression(logits) - target).abs();
                case LossKind.Huber:
                {
                    var d = (Regression(logits) - target).abs();
                    var delta = options.HuberDelta;
                    return where(d < delta, 0.5 * d.square(), delta * (d - 0.5 * delta));
                }
                case LossKind.Bce:
                    return nn.functional.binary_cross_entropy_with_logits(BinaryLogit(logits), target, reduction: nn.Reduction.None);
                case LossKind.Ce:
                    return nn.functional.cross_entropy(ClassLogits(logits), target.to(ScalarType.Int64), reduction: nn.Reduction.None);
                case LossKind.Focal:
                    return Focal(head, logits, target, options.FocalGamma);
                default:
                    throw new ArgumentException($"head '{head.Name}': unknown loss {head.Loss}");
            }
        }

        /// <summary>The mean over labelled samples; RMSE takes the root of the mean (as the reference's rmse loss).</summary>
        public static Tensor Reduce(HeadSpec head, Tensor perSample) =>
            head.Loss == LossKind.Rmse ? (perSample.mean() + 1e-12).sqrt() : perSample.mean();

        /// <summary>Regression output [M, 1] -> [M].</summary>
        public static Tensor Regression(Tensor logits) => logits[.., 0];

        /// <summary>The positive-class logit of a binary head: its only column, or column 1 of a [M, 2] output.</summary>
        public static Tensor BinaryLogit(Tensor logits) => logits.shape[1] == 2 ? logits[.., 1] : logits[.., 0];

        /// <summary>Class logits; a one-column binary head becomes [0, z] so softmax equals sigmoid.</summary>
        public static Tensor ClassLogits(Tensor logits) => logits.shape[1] == 1 ? cat(new[] { zeros_like(logits), logits }, 1) : logits;

        /// <summary>Focal loss (Lin et al.): (1 - p_t)^gamma * CE, binary on the sigmoid, multiclass on the softmax.</summary>
        private static Tensor Focal(HeadSpec head, Tensor logits, Tensor target, double gamma)
        {
            if (head.Task == TaskKind.Binary && logits.shape[1] == 1)
            {
                var z = logits[.., 0];
                var ce = nn.functional.binary_cross_entropy_with_logits(z, target, reduction: nn.Reduction.None);
                var p = z.sigmoid();
                var pt = p * target + (1 - p) * (1 - target);
                return (1 - pt).pow(gamma) * ce;
            }
            var logp = ClassLogits(logits).log_softmax(1);
            var logpt = logp.gather(1, target.to(ScalarType.Int64).unsqueeze(1)).squeeze(1);
            return (1 - logpt.exp()).pow(gamma) * -logpt;
        }

        /// <summary>Scores for metrics: regression values [M], binary P(positive) [M], multiclass probabilities [M, K].</summary>
        public static Tensor Scores(HeadSpec head, Tensor logits) => head.Task switch
        {
            TaskKind.Regression => Regression(logits),
            TaskKind.Binary => head.Loss is LossKind.Ce || (head.Loss is LossKind.Focal && logits.shape[1] == 2)
                ? logits.softmax(1)[.., 1] : BinaryLogit(logits).sigmoid(),
            _ => logits.softmax(1),
        };
    }
}
