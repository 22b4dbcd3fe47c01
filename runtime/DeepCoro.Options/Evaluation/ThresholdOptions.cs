using System.Collections.Generic;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// How the run's operating thresholds are chosen on validation (training.threshold_rule, per-head
    /// training.threshold_rules; DeepCORO_CLIP layout: threshold_rule, threshold_rules) and how threshold metrics are
    /// named: a DeepCORO_CLIP-layout run (<see cref="OnSplitNames"/>) keeps the reference's metrics at a threshold
    /// chosen on each split under the reference's names and reports the locked ones as <c>locked_*</c>.
    /// </summary>
    [GenerateWith]
    public sealed partial record ThresholdOptions
    {
        public ThresholdRule Rule { get; init; } = ThresholdRule.Gmean;

        public IReadOnlyDictionary<string, ThresholdRule> PerHead { get; init; } = new Dictionary<string, ThresholdRule>();

        public bool OnSplitNames { get; init; }

        /// <summary>The rule of a head: its own, else the run's.</summary>
        public ThresholdRule For(string head) => PerHead.TryGetValue(head, out var rule) ? rule : Rule;
    }
}
