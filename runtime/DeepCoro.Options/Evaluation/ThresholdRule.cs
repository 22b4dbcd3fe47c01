using System;
using System.Globalization;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// How an operating threshold is chosen on the validation split (positive when score >= threshold), over the
    /// distinct scores: <c>gmean</c> maximises sqrt(TPR (1 - FPR)) (DeepCORO_CLIP's rule, the default), <c>youden</c>
    /// maximises TPR - FPR (the highest threshold wins a tie in both), <c>sensitivity:s</c> is the highest threshold
    /// whose sensitivity reaches s (the most specific one that does), <c>specificity:s</c> the lowest threshold whose
    /// specificity reaches s (the most sensitive one that does; above every score when only that reaches it), and a
    /// number is a fixed threshold. Ties of the criteria are compared on counts, so no rounding decides them.
    /// </summary>
    /// <param name="Kind">gmean, youden, sensitivity, specificity or fixed.</param>
    /// <param name="Value">the target share or the fixed threshold; 0 for gmean and youden.</param>
    public sealed record ThresholdRule(string Kind, double Value)
    {
        public static readonly ThresholdRule Gmean = new("gmean", 0);

        public const string Accepted = "gmean (sqrt(TPR (1 - FPR)), the default), youden, sensitivity:S or specificity:S with S in (0, 1], or a fixed threshold (a number)";

        /// <summary>The rule as written in configs and thresholds.json.</summary>
        public override string ToString() => Kind switch
        {
            "gmean" or "youden" => Kind,
            "fixed" => Value.ToString("R", CultureInfo.InvariantCulture),
            _ => Kind + ":" + Value.ToString("R", CultureInfo.InvariantCulture),
        };

        /// <summary>A rule from its text; one line naming <paramref name="key"/> and the accepted forms when it cannot
        /// be read or met.</summary>
        public static ThresholdRule Parse(string key, string text)
        {
            var t = text.Trim();
            if (t is "gmean" or "youden") return new ThresholdRule(t, 0);
            var colon = t.IndexOf(':');
            if (colon > 0 && t[..colon] is "sensitivity" or "specificity")
            {
                if (double.TryParse(t[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var target) && target > 0 && target <= 1)
                    return new ThresholdRule(t[..colon], target);
                throw new ArgumentException($"{key}: '{text}' cannot be met: a target {t[..colon]} is a share in (0, 1], e.g. {t[..colon]}:0.9; accepted: {Accepted}");
            }
            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                return new ThresholdRule("fixed", value);
            throw new ArgumentException($"{key}: '{text}' is not a threshold rule; accepted: {Accepted}");
        }
    }
}
