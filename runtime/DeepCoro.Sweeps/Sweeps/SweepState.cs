using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The trials of a sweep as the journal's events made them: a fold, event by event, so every agent that has read
    /// the same lines knows the same trials. Parameter values are read back in their parameters' own types.
    /// </summary>
    public sealed class SweepState
    {
        private readonly SweepDefinition sweep;
        private readonly SortedDictionary<int, TrialRecord> trials = new SortedDictionary<int, TrialRecord>();

        public SweepState(SweepDefinition sweep) { this.sweep = sweep; }

        public IReadOnlyCollection<TrialRecord> Trials => trials.Values;

        public TrialRecord? Find(int index) => trials.TryGetValue(index, out var r) ? r : null;

        /// <summary>The index the next created trial gets.</summary>
        public int NextIndex => trials.Count == 0 ? 0 : trials.Keys.Last() + 1;

        /// <summary>The lowest pending trial: a new one no agent claimed, or one interrupted or re-queued.</summary>
        public TrialRecord? FirstPending() => trials.Values.FirstOrDefault(t => t.Status == TrialStatus.Pending);

        /// <summary>True when the current attempt of <paramref name="index"/>
        /// is <paramref name="attempt"/> and still runs.</summary>
        public bool Owns(int index, int attempt) =>
            Find(index) is TrialRecord r && r.Attempts == attempt && r.Status == TrialStatus.Running;

        public void Apply(TrialEvent e)
        {
            if (e.Kind == TrialEventKind.Created)
            {
                trials[e.Trial] = new TrialRecord { Index = e.Trial, Params = Canonical(e.Params!), Status = TrialStatus.Pending, CreatedAt = e.At };
                return;
            }
            if (!trials.TryGetValue(e.Trial, out var r)) return;
            if (e.Kind == TrialEventKind.Invalid)
            {
                r.Status = TrialStatus.Invalid;
                r.Reason = e.Reason;
                r.EndedAt = e.At;
                return;
            }
            if (e.Kind == TrialEventKind.Started)
            {
                r.Attempts = e.Attempt;
                r.Status = TrialStatus.Running;
                r.Agent = e.Agent;
                r.StartedAt = e.At;
                r.EndedAt = null;
                r.ExitCode = null;
                r.Reason = null;
                r.ClearEpochs();
                return;
            }
            // only the current attempt's events count
            if (e.Attempt != r.Attempts || r.Status != TrialStatus.Running) return;
            switch (e.Kind)
            {
                case TrialEventKind.Epoch:
                    r.AddEpoch(new EpochMetrics(e.Epoch, e.Value, e.Metrics ?? new JsonObject()), sweep.Metric);
                    break;
                case TrialEventKind.Ended:
                    r.Status = e.Status;
                    r.Reason = e.Reason;
                    r.ExitCode = e.ExitCode;
                    r.EndedAt = e.At;
                    break;
                case TrialEventKind.Requeued:
                    r.Status = TrialStatus.Pending;
                    r.Requeues++;
                    r.Reason = e.Reason;
                    r.EndedAt = e.At;
                    break;
                case TrialEventKind.Interrupted:
                    r.Status = TrialStatus.Pending;
                    r.Reason = e.Reason;
                    r.EndedAt = e.At;
                    break;
            }
        }

        /// <summary>
        /// What the search knows when it proposes the next trial: every trial so far, by index, with its result in
        /// lower-is-better form; running and pending ones without one (the search treats them as pending); failed and
        /// invalid ones as the worst result seen, so the search moves away from them.
        /// </summary>
        public IReadOnlyList<Observation> Observations()
        {
            var results = trials.Values.Where(t => t.HasResult).Select(t => sweep.Metric.AsLoss(t.Final!.Value)).ToList();
            double? worst = results.Count > 0 ? results.Max() : null;
            return trials.Values.Select(t =>
                t.HasResult ? new Observation(t.Params, sweep.Metric.AsLoss(t.Final!.Value))
                : t.Status is TrialStatus.Failed or TrialStatus.Invalid ? new Observation(t.Params, worst)
                : new Observation(t.Params, null)).ToList();
        }

        private JsonObject Canonical(JsonObject values)
        {
            var o = new JsonObject();
            foreach (var kv in values)
                o[kv.Key] = sweep.Parameters.FirstOrDefault(p => p.Name == kv.Key) is SweepParameter p ? p.Canonical(kv.Value) : kv.Value?.DeepClone();
            return o;
        }
    }
}
