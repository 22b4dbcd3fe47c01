using System;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Per-sample losses of one head on the labelled samples only. logits [M, n], target [M] (regression value,
    /// or class index as float); returns [M]. No implicit double -> Scalar temporaries (TorchSharp 0.107 lets a
    /// garbage collection finalize one mid-call, see Blocks/Constants.cs): constants are static Scalars, a
    /// configured exponent a Scalar disposed after its call.
    /// </summary>
    public static class Losses
    {
        private static readonly Scalar One = 1.0.ToScalar();
        private static readonly Scalar RmseEps = 1e-12.ToScalar();

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
                    // 0.5 d^2 below delta, delta (|d| - delta / 2) above, as the reference's huber
                    return nn.functional.huber_loss(Regression(logits), target, options.HuberDelta, nn.Reduction.None);
                case LossKind.Bce:
                    return nn.functional.binary_cross_entropy_with_logits(BinaryLogit(logits), target, reduction: nn.Reduction.None);
                case LossKind.Ce:
                    return nn.functional.cross_entropy(ClassLogits(logits), target.to(ScalarType.Int64), reduction: nn.Reduction.None);
                case LossKind.Focal:
                    return Focal(head, logits, target, options);
                default:
                    throw new ArgumentException($"head '{head.Name}': unknown loss {head.Loss}");
            }
        }

        /// <summary>The mean over labelled samples; RMSE takes the
        /// root of the mean (as the reference's rmse loss).</summary>
        public static Tensor Reduce(HeadSpec head, Tensor perSample) =>
            head.Loss == LossKind.Rmse ? perSample.mean().add(RmseEps).sqrt() : perSample.mean();

        /// <summary>Regression output [M, 1] -> [M].</summary>
        public static Tensor Regression(Tensor logits) => logits[.., 0];

        /// <summary>The positive-class logit of a binary head: its only column,
        /// or column 1 of a [M, 2] output.</summary>
        public static Tensor BinaryLogit(Tensor logits) => logits.shape[1] == 2 ? logits[.., 1] : logits[.., 0];

        /// <summary>Class logits; a one-column binary head becomes [0, z] so softmax equals sigmoid.</summary>
        public static Tensor ClassLogits(Tensor logits) => logits.shape[1] == 1 ? cat(new[] { zeros_like(logits), logits }, 1) : logits;

        /// <summary>
        /// Focal loss (Lin et al.): (1 - p_t)^gamma * CE, binary on the sigmoid, multiclass on the softmax; a binary
        /// one with alpha weighs positives by alpha and negatives by 1 - alpha (DeepCORO_CLIP's binary_focal).
        /// </summary>
        private static Tensor Focal(HeadSpec head, Tensor logits, Tensor target, LossOptions options)
        {
            if (head.Task == TaskKind.Binary && logits.shape[1] == 1)
            {
                var z = logits[.., 0];
                var ce = nn.functional.binary_cross_entropy_with_logits(z, target, reduction: nn.Reduction.None);
                var p = z.sigmoid();
                var pt = p * target + p.neg().add(One) * target.neg().add(One);
                var loss = Modulate(pt, options.FocalGamma) * ce;
                if (options.FocalAlpha is not { } alpha) return loss;
                using var a = alpha.ToScalar();
                using var b = (1 - alpha).ToScalar();
                return loss * (target.mul(a) + target.neg().add(One).mul(b));
            }
            var logp = ClassLogits(logits).log_softmax(1);
            var logpt = logp.gather(1, target.to(ScalarType.Int64).unsqueeze(1)).squeeze(1);
            return Modulate(logpt.exp(), options.FocalGamma) * logpt.neg();
        }

        /// <summary>The focal factor (1 - p_t)^gamma.</summary>
        private static Tensor Modulate(Tensor pt, double gamma)
        {
            using var g = gamma.ToScalar();
            return pt.neg().add(One).pow(g);
        }

        /// <summary>Scores for metrics: regression values [M], binary P(positive) [M], multiclass probabilities [M,
        /// K], survival [M, 1 + intervals]: the risk, then a discrete head's survival at each bound.</summary>
        public static Tensor Scores(HeadSpec head, Tensor logits) => head.Task switch
        {
            TaskKind.Regression => Regression(logits),
            TaskKind.Survival => SurvivalLosses.Scores(head, logits),
            TaskKind.Binary => head.Loss is LossKind.Ce || (head.Loss is LossKind.Focal && logits.shape[1] == 2)
                ? logits.softmax(1)[.., 1] : BinaryLogit(logits).sigmoid(),
            _ => logits.softmax(1),
        };
    }
}
