using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Everything the sweep knows about one trial: the fold of its events in the journal.</summary>
    public sealed class TrialRecord
    {
        public int Index { get; init; }
        public JsonObject Params { get; init; } = new JsonObject();
        public TrialStatus Status { get; set; }
        /// <summary>Why it is invalid, failed or stopped; or why a
        /// pending trial waits again (interrupted, re-queued).</summary>
        public string? Reason { get; set; }
        /// <summary>Attempts started so far; the current attempt's events are the ones that count.</summary>
        public int Attempts { get; set; }
        /// <summary>Times its agent died while running it; the second death fails it.</summary>
        public int Requeues { get; set; }
        public int? ExitCode { get; set; }
        /// <summary>The agent of the current (or last) attempt.</summary>
        public AgentIdentity? Agent { get; set; }
        public DateTime? CreatedAt { get; set; }
        public DateTime? StartedAt { get; set; }
        public DateTime? EndedAt { get; set; }
        public List<EpochMetrics> Epochs { get; } = new List<EpochMetrics>();
        /// <summary>The best value of the metric over the trial's epochs
        /// (the epoch whose checkpoint training keeps).</summary>
        public double? Final { get; set; }
        public int? BestEpoch { get; set; }

        public bool IsFinal => Status is TrialStatus.Finished or TrialStatus.Stopped or TrialStatus.Failed or TrialStatus.Invalid;

        /// <summary>Finished or stopped with a metric: a result the search and the leaderboard count.</summary>
        public bool HasResult => Final is not null && Status is TrialStatus.Finished or TrialStatus.Stopped;

        public static string Name(int index) => $"trial-{index:D4}";

        public void AddEpoch(EpochMetrics e, SweepMetric metric)
        {
            Epochs.Add(e);
            if (Final is null || metric.Better(e.Value, Final.Value)) { Final = e.Value; BestEpoch = e.Epoch; }
        }

        /// <summary>A new attempt forgets the epochs of the last one.</summary>
        public void ClearEpochs()
        {
            Epochs.Clear();
            Final = null;
            BestEpoch = null;
        }

        /// <summary>The best metric over epochs 1..epoch, or null if the trial has not reached that epoch.</summary>
        public double? BestUpTo(int epoch, SweepMetric metric)
        {
            if (Epochs.Count == 0 || Epochs[^1].Epoch < epoch) return null;
            double? best = null;
            foreach (var e in Epochs)
                if (e.Epoch <= epoch && (best is null || metric.Better(e.Value, best.Value))) best = e.Value;
            return best;
        }
    }
}
