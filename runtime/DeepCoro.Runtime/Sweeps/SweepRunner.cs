using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Checks a trial's merged config before launch: null when it may run, else the reason (e.g. the DC0003 message).</summary>
    public interface ITrialValidator
    {
        string? Check(string configPath, string configText);
    }

    /// <summary>What the live display hears about. Called on the runner's thread.</summary>
    public interface ISweepObserver
    {
        void Changed(TrialRecord trial, IReadOnlyCollection<TrialRecord> all);
    }

    public sealed record SweepRunOptions(int Trials, int Parallel, TimeSpan PollInterval);

    /// <summary>
    /// Runs a sweep in its directory: creates trials in index order (the search proposes each from the trials before
    /// it), checks them, runs up to <c>Parallel</c> at a time, applies hyperband at its rungs and records every change
    /// atomically. Run again on the same directory it resumes: final trials are kept, interrupted ones run again.
    /// </summary>
    public sealed class SweepRunner
    {
        private readonly SweepStore store;
        private readonly SweepDefinition sweep;
        private readonly SweepConfig config;
        private readonly ISuggester suggester;
        private readonly ITrialValidator validator;
        private readonly ITrialLauncher launcher;
        private readonly ISweepObserver? observer;
        private SortedDictionary<int, TrialRecord> records = new SortedDictionary<int, TrialRecord>();

        public SweepRunner(SweepStore store, SweepDefinition sweep, SweepConfig config, ISuggester suggester,
                           ITrialValidator validator, ITrialLauncher launcher, ISweepObserver? observer = null)
        {
            this.store = store; this.sweep = sweep; this.config = config; this.suggester = suggester;
            this.validator = validator; this.launcher = launcher; this.observer = observer;
        }

        /// <summary>Runs the sweep to its budget (or until cancelled: running trials are killed and marked interrupted).</summary>
        public IReadOnlyList<TrialRecord> Run(SweepRunOptions options, CancellationToken cancel)
        {
            if (options.Parallel < 1) throw new ArgumentException("--parallel must be at least 1");
            records = store.LoadAll();
            var queue = new Queue<int>();
            foreach (var r in records.Values.Where(r => !r.IsFinal))
            {
                KillStale(r);
                queue.Enqueue(r.Index);
            }
            int next = records.Count == 0 ? 0 : records.Keys.Max() + 1;
            int budget = suggester.Size is int size ? Math.Min(size, options.Trials) : options.Trials;
            var running = new Dictionary<int, IRunningTrial>();
            try
            {
                while (true)
                {
                    while (running.Count < options.Parallel && !cancel.IsCancellationRequested)
                    {
                        if (queue.Count > 0) { var i = queue.Dequeue(); running[i] = Launch(records[i]); continue; }
                        if (next >= budget || !CanPropose(next, options.Parallel)) break;
                        var created = Create(next++, options.Parallel);
                        if (!created.IsFinal) running[created.Index] = Launch(created);
                    }
                    if (running.Count == 0) break;
                    foreach (var (index, trial) in running.ToList())
                        if (Poll(records[index], trial, () => records.Values)) { trial.Dispose(); running.Remove(index); }
                    if (cancel.IsCancellationRequested) break;
                    if (running.Count > 0) cancel.WaitHandle.WaitOne(options.PollInterval);
                }
            }
            finally
            {
                foreach (var (index, trial) in running)
                {
                    trial.Kill();
                    trial.Dispose();
                    var r = records[index];
                    r.Status = TrialStatus.Interrupted;
                    r.Reason = "the sweep was stopped while this trial ran; it runs again on resume";
                    r.EndedAt = DateTime.UtcNow;
                    Save(r);
                }
            }
            return records.Values.ToList();
        }

        /// <summary>Runs one created trial (a Slurm array task); hyperband compares with the records other tasks wrote.</summary>
        public TrialRecord RunOne(int index, TimeSpan pollInterval, CancellationToken cancel)
        {
            var r = store.Load(index) ?? throw new ArgumentException($"{store.Dir}: there is no trial {index}");
            if (r.IsFinal) return r;
            records = store.LoadAll();
            records[index] = r;
            using var trial = Launch(r);
            try
            {
                while (!Poll(r, trial, () => { var all = store.LoadAll(); all[index] = r; return all.Values; }))
                    if (cancel.WaitHandle.WaitOne(pollInterval)) break;
            }
            finally
            {
                if (!r.IsFinal)
                {
                    trial.Kill();
                    r.Status = TrialStatus.Interrupted;
                    r.Reason = "the task was stopped while this trial ran";
                    Save(r);
                }
            }
            return r;
        }

        /// <summary>Creates trial <paramref name="index"/> with its values, config and check; an invalid one is final at once.</summary>
        public TrialRecord Create(int index, int parallel)
        {
            var values = suggester.Suggest(index, Observations(index, parallel));
            var header = $"trial {index} of a deepcoro sweep: base.yaml with " +
                         string.Join(", ", values.Select(kv => $"{kv.Key}={SweepValues.Format(kv.Value)}"));
            var text = config.Merge(values, header);
            var path = store.ConfigPath(index);
            IO.AtomicFile.WriteText(path, text);
            var r = new TrialRecord { Index = index, Params = values, Status = TrialStatus.Pending, Config = SweepConfig.ToJson(text) };
            var problem = validator.Check(path, text);
            if (problem != null)
            {
                r.Status = TrialStatus.Invalid;
                r.Reason = problem;
                r.EndedAt = DateTime.UtcNow;
            }
            records[index] = r;
            Save(r);
            return r;
        }

        /// <summary>
        /// What the search sees when proposing trial <paramref name="index"/>: trials up to index - parallel with their
        /// results, later ones as still running, whatever the timing, so a seeded sweep proposes the same trials.
        /// </summary>
        private List<Observation> Observations(int index, int parallel)
        {
            var known = records.Values.Where(r => r.Index < index).ToList();
            var losses = known.Where(r => r.Final is not null && r.Index <= index - parallel).Select(r => sweep.Metric.AsLoss(r.Final!.Value)).ToList();
            double? worst = losses.Count > 0 ? losses.Max() : null;
            return known.Select(r =>
                r.Index > index - parallel ? new Observation(r.Params, null)
                : r.Final is double f && r.Status != TrialStatus.Failed ? new Observation(r.Params, sweep.Metric.AsLoss(f))
                // invalid and failed trials count as the worst result, so the search moves away from them
                : new Observation(r.Params, worst)).ToList();
        }

        /// <summary>Adaptive searches wait until every trial up to index - parallel is final.</summary>
        private bool CanPropose(int index, int parallel) =>
            sweep.Method != SearchMethod.Bayes || records.Values.Where(r => r.Index <= index - parallel).All(r => r.IsFinal);

        private IRunningTrial Launch(TrialRecord r)
        {
            var run = store.RunDir(r.Index);
            // an attempt starts clean: a killed attempt's metrics must not mix with the new one's
            if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
            Directory.CreateDirectory(run);
            r.Epochs.Clear();
            r.Final = null; r.BestEpoch = null; r.ExitCode = null; r.Reason = null; r.EndedAt = null;
            r.Attempts++;
            r.Status = TrialStatus.Running;
            r.StartedAt = DateTime.UtcNow;
            IRunningTrial trial;
            try { trial = launcher.Start(new TrialLaunch(r.Index, store.ConfigPath(r.Index), run, store.TrialDir(r.Index))); }
            catch (ArgumentException e)
            {
                r.Status = TrialStatus.Interrupted;
                r.Reason = e.Message;
                Save(r);
                throw;
            }
            r.Pid = trial.ProcessId;
            r.PidStart = trial.ProcessStart;
            Save(r);
            return trial;
        }

        /// <summary>Takes in new metric rows and the exit; true once the trial is final.</summary>
        private bool Poll(TrialRecord r, IRunningTrial trial, Func<IEnumerable<TrialRecord>> others)
        {
            bool exited = trial.HasExited;
            bool changed = false;
            foreach (var row in trial.ReadNewRows())
            {
                if (!TryMetric(row, out var value)) continue;
                int epoch = row["epoch"] is JsonValue ev && ev.TryGetValue<int>(out var e) ? e : (r.Epochs.Count == 0 ? 1 : r.Epochs[^1].Epoch + 1);
                r.AddEpoch(new EpochMetrics(epoch, value, Numbers(row)), sweep.Metric);
                changed = true;
                if (sweep.EarlyTerminate is Hyperband hb && hb.IsRung(epoch))
                {
                    var verdict = HyperbandRule.Judge(hb, sweep.Metric, epoch, r, others());
                    if (verdict != null)
                    {
                        trial.Kill();
                        r.Status = TrialStatus.Stopped;
                        r.Reason = verdict;
                        r.EndedAt = DateTime.UtcNow;
                        Save(r);
                        return true;
                    }
                }
            }
            if (exited)
            {
                int code = trial.ExitCode;
                r.ExitCode = code;
                r.EndedAt = DateTime.UtcNow;
                if (code != 0)
                {
                    r.Status = TrialStatus.Failed;
                    var detail = trial.FailureDetail();
                    r.Reason = (code == 137 || code == -9 ? "killed (signal 9: out of memory?)" : $"exit code {code}") + (detail.Length > 0 ? ": " + detail : "");
                }
                else if (r.Epochs.Count == 0)
                {
                    r.Status = TrialStatus.Failed;
                    r.Reason = $"the run ended without reporting '{sweep.Metric.Name}' in its metrics log";
                }
                else r.Status = TrialStatus.Finished;
                Save(r);
                return true;
            }
            if (changed) Save(r);
            return false;
        }

        private bool TryMetric(JsonObject row, out double value)
        {
            value = 0;
            return row[sweep.Metric.Name] is JsonNode n && SweepValues.TryNumber(n, out value) && double.IsFinite(value);
        }

        private static JsonObject Numbers(JsonObject row)
        {
            var o = new JsonObject();
            foreach (var kv in row)
                if (SweepValues.TryNumber(kv.Value, out var x) && double.IsFinite(x)) o[kv.Key] = kv.Value!.DeepClone();
            return o;
        }

        private void Save(TrialRecord r)
        {
            store.Save(r);
            observer?.Changed(r, records.Values);
        }

        /// <summary>A trial process left running by a killed sweep would write into the directory: end it first.</summary>
        private static void KillStale(TrialRecord r)
        {
            if (r.Pid is not int pid || r.PidStart is not DateTime start) return;
            try
            {
                using var p = Process.GetProcessById(pid);
                if (Math.Abs((p.StartTime.ToUniversalTime() - start).TotalSeconds) < 1) { p.Kill(entireProcessTree: true); p.WaitForExit(); }
            }
            catch (ArgumentException) { /* no such process any more */ }
            catch (InvalidOperationException) { /* it exited meanwhile */ }
        }
    }
}
