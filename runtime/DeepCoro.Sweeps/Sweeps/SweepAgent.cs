using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// A sweep agent, as W&amp;B's and Optuna's: it asks for the next trial, runs it, reports, and repeats, with any
    /// number of agents on any machines that see the sweep directory. Under the sweep lock it reads the journal's new
    /// events, re-queues (once, then fails) the trials of agents that died, and claims a pending trial or has the
    /// search propose the next one from every result recorded so far. While the trial runs it rewrites a heartbeat
    /// and reports each epoch's metric under the lock, where hyperband judges the rungs against every trial's record.
    /// An attempt that another agent re-queued meanwhile (this one looked dead) is abandoned, never reported.
    /// </summary>
    public sealed class SweepAgent
    {
        private enum Outcome { Running, Ended, Abandoned, Interrupted }

        private readonly SweepStore store;
        private readonly SweepConfig config;
        private readonly SweepDefinition sweep;
        private readonly ISuggester suggester;
        private readonly ITrialValidator validator;
        private readonly ITrialLauncher launcher;
        private readonly SweepAgentOptions options;
        private readonly ISweepObserver? observer;
        private readonly AgentIdentity me;
        private readonly SweepJournal journal;
        private readonly SweepState state;
        private readonly List<TimeSpan> waits = new List<TimeSpan>();
        private readonly List<TimeSpan> claimHolds = new List<TimeSpan>();
        private readonly List<TimeSpan> proposalHolds = new List<TimeSpan>();
        private readonly List<TimeSpan> proposalCpu = new List<TimeSpan>();
        /// <summary>Whether the last claim had the search propose
        /// a trial (for the lock's cost per proposal).</summary>
        private bool proposedLast;
        private readonly List<TimeSpan> reportHolds = new List<TimeSpan>();

        public SweepAgent(SweepStore store, SweepConfig config, ISuggester suggester, ITrialValidator validator, ITrialLauncher launcher,
                          SweepAgentOptions options, ISweepObserver? observer = null, AgentIdentity? identity = null)
        {
            this.store = store; this.config = config; this.suggester = suggester; this.validator = validator; this.launcher = launcher;
            this.options = options; this.observer = observer;
            sweep = config.Sweep;
            me = identity ?? AgentIdentity.Current();
            journal = new SweepJournal(store.JournalPath);
            state = new SweepState(sweep);
        }

        /// <summary>Runs trials until the count is reached, nothing is left, or <paramref name="cancel"/> fires (the
        /// running trial is then killed and re-queued).</summary>
        public AgentReport Run(CancellationToken cancel)
        {
            store.ReadManifest();
            SweepLock.CheckEnforced(store.LockPath);
            WarmUp();
            var done = 0;
            var interrupted = false;
            while (!cancel.IsCancellationRequested && (options.Count is null || done < options.Count))
            {
                var cpu = Environment.CpuUsage.TotalTime;
                var claim = Locked(Claim, claimHolds);
                if (proposedLast)
                {
                    proposalHolds.Add(claimHolds[^1]);
                    proposalCpu.Add(Environment.CpuUsage.TotalTime - cpu);
                }
                if (claim is null) break;
                var outcome = RunAttempt(claim.Value.Index, claim.Value.Attempt, cancel);
                if (outcome == Outcome.Ended) done++;
                if (outcome == Outcome.Interrupted) { interrupted = true; break; }
            }
            return new AgentReport(done, interrupted || cancel.IsCancellationRequested, waits, proposalHolds, proposalCpu, reportHolds);
        }

        /// <summary>
        /// Reads the journal so far, and runs the search, the merge and the config check once on made-up trials, all
        /// outside the lock: the first run of each loads and compiles code (a second or more on a busy machine), and a
        /// long journal takes a while to read, neither of which may happen while other agents wait.
        /// </summary>
        private void WarmUp()
        {
            foreach (var e in journal.ReadNew()) state.Apply(e);
            var size = suggester.Size ?? int.MaxValue;
            var made = Enumerable.Range(0, 12).Select(i => new Observation(suggester.Suggest(i % size, Array.Empty<Observation>()), i)).ToList();
            var values = suggester.Suggest(made.Count % size, made);
            validator.Check(Path.Combine(store.Dir, "warm-up.yaml"), config.Merge(values, "warm-up"));
        }

        /// <summary>Re-queues dead agents' trials, then claims the lowest pending trial or creates the next; null
        /// when nothing is left.</summary>
        private (int Index, int Attempt)? Claim()
        {
            proposedLast = false;
            Reap();
            if (state.FirstPending() is TrialRecord pending)
            {
                var claim = (pending.Index, pending.Attempts + 1);
                Append(TrialEvent.Started(claim.Index, claim.Item2, me));
                return claim;
            }
            var budget = store.ReadManifest().Trials;
            var limit = suggester.Size is int size ? Math.Min(size, budget) : budget;
            while (state.NextIndex < limit)
            {
                var index = state.NextIndex;
                proposedLast = true;
                var values = suggester.Suggest(index, state.Observations());
                var header = $"trial {index} of a deepcoro sweep: base.yaml with " +
                             string.Join(", ", values.Select(kv => $"{kv.Key}={SweepValues.Format(kv.Value)}"));
                var path = store.ConfigPath(index);
                var text = config.Merge(values, header);
                AtomicFile.WriteText(path, text);
                var problem = validator.Check(path, text);
                if (problem != null)
                {
                    Append(TrialEvent.Created(index, values), TrialEvent.Invalid(index, problem));
                    continue;
                }
                Append(TrialEvent.Created(index, values), TrialEvent.Started(index, 1, me));
                return (index, 1);
            }
            return null;
        }

        /// <summary>A running trial whose agent is dead goes back to
        /// the queue the first time, and fails the second.</summary>
        private void Reap()
        {
            var events = new List<TrialEvent>();
            foreach (var r in state.Trials.Where(t => t.Status == TrialStatus.Running))
            {
                var beat = Heartbeat.Read(store.HeartbeatPath(r.Index, r.Attempts));
                var why = TrialReaper.Dead(r, beat, DateTime.UtcNow, options.StaleAfter, me.Host, a => ProcessLiveness.IsAlive(a.Pid, a.Start));
                if (why is null) continue;
                // the dead agent's trial process may live on and write into its attempt: end it where this agent can
                if (beat is { TrialPid: int pid, TrialStart: string started } && beat.Agent.Host == me.Host && beat.Attempt == r.Attempts)
                    ProcessLiveness.Kill(pid, started);
                events.Add(r.Requeues == 0
                    ? TrialEvent.Requeued(r.Index, r.Attempts, why + "; re-queued")
                    : TrialEvent.Ended(r.Index, r.Attempts, TrialStatus.Failed, why + ", the second time this trial lost its agent; failed"));
            }
            Append(events.ToArray());
        }

        private Outcome RunAttempt(int index, int attempt, CancellationToken cancel)
        {
            var attemptDir = store.AttemptDir(index, attempt);
            Directory.CreateDirectory(store.RunDir(index, attempt));
            IRunningTrial trial;
            try { trial = launcher.Start(new TrialLaunch(index, store.ConfigPath(index), store.RunDir(index, attempt), attemptDir)); }
            catch (DeepCoroUserException e)
            {
                // the trial command itself is wrong: every trial would fail, so the agent stops with the reason
                Locked(() => { if (state.Owns(index, attempt)) Append(TrialEvent.Interrupted(index, attempt, e.Message)); return 0; }, reportHolds);
                throw;
            }
            using (trial)
            using (var beats = new Timer(_ => Beat(index, attempt, trial), null, TimeSpan.Zero, options.Heartbeat))
            {
                while (true)
                {
                    var exited = trial.WaitForExit(options.Poll);
                    var rows = trial.ReadNewRows().Where(r => Metric(r) is not null).ToList();
                    var stopping = cancel.IsCancellationRequested;
                    if (rows.Count > 0 || exited || stopping)
                    {
                        var outcome = Locked(() => Report(index, attempt, trial, rows, exited, stopping), reportHolds);
                        if (outcome != Outcome.Running) return outcome;
                    }
                }
            }
        }

        private Outcome Report(int index, int attempt, IRunningTrial trial, List<JsonObject> rows, bool exited, bool stopping)
        {
            if (!state.Owns(index, attempt))
            {
                trial.Kill();
                observer?.Note($"{TrialRecord.Name(index)} attempt {attempt} was re-queued by another agent ({state.Find(index)?.Reason}); this attempt is abandoned");
                return Outcome.Abandoned;
            }
            if (stopping && !exited)
            {
                trial.Kill();
                if (trial.ExitCode != 0)
                {
                    Append(TrialEvent.Interrupted(index, attempt, "its agent was stopped; the trial runs again from the start"));
                    return Outcome.Interrupted;
                }
                // it ended by itself just before the kill: reported as it ended, so that it never runs twice
                exited = true;
                rows.AddRange(trial.ReadNewRows().Where(r => Metric(r) is not null));
            }
            foreach (var row in rows)
            {
                var record = state.Find(index)!;
                var epoch = row["epoch"] is JsonValue ev && ev.TryGetValue<int>(out var e) ? e : (record.Epochs.Count == 0 ? 1 : record.Epochs[^1].Epoch + 1);
                Append(TrialEvent.EpochDone(index, attempt, epoch, Metric(row)!.Value, Numbers(row)));
                if (sweep.EarlyTerminate is Hyperband hb && hb.IsRung(epoch)
                    && HyperbandRule.Judge(hb, sweep.Metric, epoch, record, state.Trials) is string verdict)
                {
                    trial.Kill();
                    Append(TrialEvent.Ended(index, attempt, TrialStatus.Stopped, verdict));
                    return Outcome.Ended;
                }
            }
            if (!exited) return Outcome.Running;
            var code = trial.ExitCode;
            if (code != 0 && stopping)
            {
                // the signal that stopped the agent (Ctrl-C reaches the whole process group) ended the trial too
                Append(TrialEvent.Interrupted(index, attempt, "its agent was stopped; the trial runs again from the start"));
                return Outcome.Interrupted;
            }
            if (code != 0)
            {
                var detail = trial.FailureDetail();
                var why = (code == 137 || code == -9 ? "killed (signal 9: out of memory?)" : $"exit code {code}") + (detail.Length > 0 ? ": " + detail : "");
                Append(TrialEvent.Ended(index, attempt, TrialStatus.Failed, why, code));
            }
            else if (state.Find(index)!.Epochs.Count == 0)
            {
                Append(TrialEvent.Ended(index, attempt, TrialStatus.Failed, $"the run ended without reporting '{sweep.Metric.Name}' in its metrics log", code));
            }
            else
            {
                Append(TrialEvent.Ended(index, attempt, TrialStatus.Finished, null, code));
            }

            return Outcome.Ended;
        }

        private void Beat(int index, int attempt, IRunningTrial trial)
        {
            try { new Heartbeat(index, attempt, me, trial.ProcessId, trial.ProcessStart, DateTime.UtcNow).Write(store.HeartbeatPath(index, attempt)); }
            catch (IOException) { /* a missed beat is retried at the next tick; only a long silence counts */ }
            catch (UnauthorizedAccessException) { /* as above */ }
        }

        /// <summary>Runs <paramref name="body"/> holding the sweep lock, on the journal's latest state; times the
        /// wait and the hold.</summary>
        private T Locked<T>(Func<T> body, List<TimeSpan> holds)
        {
            using var held = SweepLock.Acquire(store.LockPath, options.LockTimeout, CancellationToken.None);
            waits.Add(held.Waited);
            foreach (var e in journal.ReadNew()) state.Apply(e);
            var result = body();
            holds.Add(held.Held);
            return result;
        }

        /// <summary>Appends events, then takes them in from the journal itself,
        /// so this agent's state is what every reader folds.</summary>
        private void Append(params TrialEvent[] events)
        {
            if (events.Length == 0) return;
            if (journal.Append(events) is string note) observer?.Note(note);
            foreach (var e in journal.ReadNew())
            {
                state.Apply(e);
                observer?.Appended(e, state);
            }
        }

        private double? Metric(JsonObject row) =>
            row[sweep.Metric.Name] is JsonNode n && SweepValues.TryNumber(n, out var v) && double.IsFinite(v) ? v : null;

        private static JsonObject Numbers(JsonObject row)
        {
            var o = new JsonObject();
            foreach (var kv in row)
                if (SweepValues.TryNumber(kv.Value, out var x) && double.IsFinite(x)) o[kv.Key] = kv.Value!.DeepClone();
            return o;
        }
    }
}
