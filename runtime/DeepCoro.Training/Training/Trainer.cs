using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using DeepCoro.Runtime.Data;
using DeepCoro.Runtime.Encoders;
using DeepCoro.Runtime.Evaluation;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.Model;
using DeepCoro.Runtime.Telemetry;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;
using Probe = TorchSharp.torch.nn.Module<DeepCoro.Runtime.Model.ModelInput, System.Collections.Generic.OrderedDictionary<string, TorchSharp.torch.Tensor>>;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Trains a probe: per optimizer step a schedule factor on every group's base rate, accumulation, clipping;
    /// per epoch validation, metrics (JSONL + TensorBoard), the best model (safetensors, reference keys) and an
    /// atomic checkpoint; at the end predictions per split from the best model.
    /// </summary>
    public sealed class Trainer
    {
        private readonly ModelPlan plan;
        private readonly Dataset data;
        private readonly TrainOptions options;
        private readonly RunFiles files;
        private ITrainingObserver observer = null!;
        private readonly Device device;

        /// <summary>A run of <paramref name="plan"/>, resolved once by the caller (the config reader) and not
        /// again here.</summary>
        public Trainer(ModelPlan plan, Dataset data, TrainOptions options, string runDirectory)
        {
            this.plan = plan;
            this.data = data;
            this.options = options;
            files = new RunFiles(runDirectory);
            device = DeviceChoice.Parse(options.Device);
            Dataset.CheckHeads(plan.Spec);
            CheckMonitor(plan.Spec, options.Monitor);
        }

        private const string MainLossKey = "val/main_loss", BestValLossKey = "best_val_loss";

        /// <summary>Metric keys a split reports for a spec: per head
        /// its task's metrics and its loss, then main_loss.</summary>
        public static IEnumerable<string> MetricKeys(ModelSpec spec, string prefix) =>
            spec.Heads.SelectMany(h => Metrics.Names(h.Task).SelectMany(m => Metrics.ReferenceNames.TryGetValue(m, out var alias) ? new[] { m, alias } : new[] { m })
                    .Append("loss").Select(m => $"{prefix}/{h.Name}_{m}"))
                .Append($"{prefix}/main_loss");

        /// <summary>Every metric key a run logs per epoch: the splits' keys
        /// and best_val_loss (DeepCORO_CLIP's sweep metric).</summary>
        public static IEnumerable<string> RunMetricKeys(ModelSpec spec) =>
            MetricKeys(spec, "train").Concat(MetricKeys(spec, "val")).Append(BestValLossKey);

        private static void CheckMonitor(ModelSpec spec, string monitor)
        {
            var known = RunMetricKeys(spec).ToList();
            if (!known.Contains(monitor))
                throw new DeepCoroUserException($"training.monitor: '{monitor}' is not a metric of this model; {Suggestions.Hint(monitor, known)}");
        }

        public TrainResult Run(bool resume, ITrainingObserver observer, CancellationToken cancel = default)
        {
            this.observer = observer;
            var spec = plan.Spec;
            var specJson = SpecJson.Write(spec);
            var runOptions = RunOptions.Canonical(options, data.Options, files.Directory);
            if (!resume && File.Exists(files.Checkpoint))
                throw new DeepCoroUserException($"{files.Checkpoint}: the run directory already holds a checkpoint", Remedy.ResumeOrOtherOutput);
            if (resume && !File.Exists(files.Checkpoint))
                throw new DeepCoroUserException($"{files.Checkpoint}: nothing to resume (no checkpoint in the run directory)");

            var clock = Stopwatch.StartNew();
            data.CheckFinite(data.Studies.Train.Concat(data.Studies.Val).Concat(data.Studies.Test), cancel);
            observer.Note($"every embedding is finite (checked in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");

            random.manual_seed(options.Seed);
            using var model = EncoderProbe.Create(plan, options.Encoder, options.Kernel);
            model.to(device);
            var groups = ParameterGroups.Of(plan, model, options.Optimizer);
            using var optimizer = new AdamOptimizer(groups, options.Optimizer);
            var batches = (data.Studies.Train.Count + data.Options.BatchSize - 1) / data.Options.BatchSize;
            var accum = Math.Max(1, options.GradientAccumulation);
            var schedule = new Schedule(options.Schedule, (batches + accum - 1) / accum, options.Epochs);

            var higher = Metrics.HigherIsBetter(options.Monitor);
            var state = new TrainingState(0, 0, higher ? double.NegativeInfinity : double.PositiveInfinity, 0, 0);
            if (resume)
            {
                (state, var plannedEpochs) = Checkpoint.Load(files.Checkpoint, model, optimizer, specJson, runOptions);
                observer.Note($"resuming {files.Directory} after epoch {state.EpochsDone} (step {state.Step})");
                if (plannedEpochs != options.Epochs)
                    observer.Note($"warning: the run was planned for {plannedEpochs} epochs, now {options.Epochs}: the schedule's horizon changes, so the learning rate no longer follows the curve the run started on");
            }
            Directory.CreateDirectory(files.Directory);
            AtomicFile.WriteText(files.Spec, specJson);
            var log = new MetricsLog(files.MetricsLog, state.EpochsDone);
            // TensorBoard shows what metrics.jsonl keeps: the old event files go, the kept epochs are written anew
            if (Directory.Exists(files.TensorBoard))
                foreach (var old in Directory.GetFiles(files.TensorBoard, "events.out.tfevents.*")) File.Delete(old);
            using var board = new TensorBoardWriter(files.TensorBoard);
            foreach (var (keptEpoch, keptMetrics) in log.Kept) board.Scalars(keptEpoch, keptMetrics);
            using var telemetry = new RunTelemetry(((IPoolingProbe)model).Pooling, groups, options, device, files.Checkpoint);
            var trainStep = new TrainStep(model, optimizer, options.ClipNorm, device, telemetry.Gradients);
            // DeepCORO_CLIP's sweeps optimise best_val_loss, the lowest val/main_loss so far: a resume starts from
            // the kept epochs'
            var bestValLoss = log.Kept.Select(k => k.Metrics.GetValueOrDefault(MainLossKey, double.NaN)).Where(v => !double.IsNaN(v))
                .DefaultIfEmpty(double.PositiveInfinity).Min();

            observer.Started(state.EpochsDone + 1, options.Epochs, batches, data.Studies.Train.Count);
            var stoppedEarly = false;
            // epochs count from 1 everywhere they are written or
            // shown (the sweep's hyperband rungs count the same way)
            for (var epoch = state.EpochsDone + 1; epoch <= options.Epochs; epoch++)
            {
                model.train();
                // CUDA's generator state cannot be read in TorchSharp 0.107, so it is a function of (seed, epoch): a
                // resume replays it
                if (device.type == DeviceType.CUDA && cuda.is_available()) cuda.manual_seed_all(options.Seed * 1_000_003L + epoch);
                var train = new SplitResults(spec.Heads, options.Loss) { SurvivalHorizons = SplitResults.HorizonsOf(spec.Heads, data.Studies.Split("train")) };
                clock.Restart();
                telemetry.EpochStarted();
                int b = 0, seen = 0;
                var step = state.Step;
                foreach (var batch in data.Pass(data.Studies.Train, true, options.Seed, epoch - 1, cancel))
                {
                    int groupStart = b / accum * accum, groupSize = Math.Min(accum, batches - groupStart);
                    var loss = trainStep.Accumulate(batch, train, groupSize);
                    batch.Release();
                    telemetry.Guard.Batch(loss);
                    seen += batch.Size;
                    if (b + 1 == groupStart + groupSize)
                    {
                        telemetry.Guard.Update(trainStep.Update(schedule.Factor(step)), epoch, step + 1);
                        step++;
                    }
                    b++;
                    observer.Batch(epoch, b, loss, seen / Math.Max(1e-9, clock.Elapsed.TotalSeconds));
                }
                var trainSeconds = clock.Elapsed.TotalSeconds;
                for (var h = 0; h < spec.Heads.Count; h++)
                {
                    if (train.BatchesWithoutEvents[h] > 0)
                        observer.Note($"epoch {epoch}: {train.BatchesWithoutEvents[h]} of {b} training batches had no event for survival head '{spec.Heads[h].Name}'; their loss is 0 with no gradient (a larger batch_size gives every batch events, docs/survival.md)");
                }

                observer.Evaluating(epoch, "val");
                SplitResults val;
                using (telemetry.RecordingAttention())
                {
                    val = EvaluateWith((IPoolingProbe)model, data, spec, options.Loss, device, data.Studies.Val, cancel,
                        watch: telemetry.Attention is { } attention ? attention.Watch : null);
                }

                var metrics = new OrderedDictionary<string, double>();
                foreach (var (k, v) in train.Metrics("train")) metrics[k] = v;
                foreach (var (k, v) in val.Metrics("val")) metrics[k] = v;
                // the rates of the epoch's last optimizer step: the base rate (optimizer.lr) and each group's own
                var factor = schedule.Factor(Math.Max(0, step - 1));
                metrics["lr"] = options.Optimizer.Lr * factor;
                foreach (var g in groups) metrics["lr/" + g.Name.Replace(':', '/')] = g.Lr * factor;
                metrics["train/studies_per_second"] = data.Studies.Train.Count / Math.Max(1e-9, trainSeconds);
                if (metrics.GetValueOrDefault(MainLossKey, double.NaN) is var valLoss && valLoss < bestValLoss) bestValLoss = valLoss;
                metrics[BestValLossKey] = bestValLoss;
                foreach (var (k, v) in telemetry.EpochMetrics(clock.Elapsed.TotalSeconds)) metrics[k] = v;

                var value = metrics.GetValueOrDefault(options.Monitor, double.NaN);
                var improved = !double.IsNaN(value) && (higher ? value > state.Best + options.MinDelta : value < state.Best - options.MinDelta);
                state = improved
                    ? new TrainingState(epoch, step, value, epoch, 0)
                    : state with { EpochsDone = epoch, Step = step, EpochsWithoutImprovement = state.EpochsWithoutImprovement + 1 };
                log.Append(epoch, step, metrics);
                board.Scalars(epoch, metrics);
                board.Histograms(epoch, telemetry.Histograms());
                if (improved) SaveBest(model, epoch, value);
                Checkpoint.Save(files.Checkpoint, model, optimizer, state, specJson, runOptions, options.Epochs);
                observer.EpochEnded(epoch, metrics, improved);
                if (options.Patience is { } patience && state.EpochsWithoutImprovement >= patience && epoch < options.Epochs)
                {
                    observer.Note($"early stop after epoch {epoch}: {options.Monitor} has not improved for {patience} epochs");
                    stoppedEarly = true;
                    break;
                }
            }
            if (!File.Exists(files.Best)) SaveBest(model, state.EpochsDone, double.NaN);
            var (final, intervals) = Finish(model, cancel);
            var result = new TrainResult(files.Directory, state.EpochsDone, stoppedEarly, state.BestEpoch, options.Monitor, state.Best, final) { Intervals = intervals };
            WriteSummary(result);
            return result;
        }

        private void SaveBest(nn.Module model, int epoch, double value) =>
            Safetensors.Save(files.Best, StateDict.Of(model), new Dictionary<string, string>
            {
                ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["monitor"] = options.Monitor,
                ["value"] = value.ToString("R", CultureInfo.InvariantCulture),
            });

        /// <summary>
        /// Reloads the best weights, locks the operating thresholds on validation (thresholds.json), fits the Cox
        /// heads' baseline hazards on training (baseline_hazard.json) and writes, for
        /// every non-empty split, its predictions and their metrics at those thresholds with bootstrap intervals.
        /// </summary>
        private (OrderedDictionary<string, double>, OrderedDictionary<string, MetricInterval>) Finish(Probe model, CancellationToken cancel)
        {
            var spec = plan.Spec;
            var best = Safetensors.Load(files.Best);
            StateDict.LoadStrict(model, best, files.Best);
            foreach (var t in best.Values) t.Dispose();
            var all = new OrderedDictionary<string, double>();
            var intervals = new OrderedDictionary<string, MetricInterval>();
            var passes = new Dictionary<string, SplitResults>();
            foreach (var split in new[] { "val", "train", "test" })
            {
                var studies = data.Studies.Split(split);
                if (studies.Count == 0) continue;
                observer.Evaluating(0, split);
                passes[split] = Evaluate(model, studies, cancel);
            }
            // recalibration and thresholds are fitted once, on validation, before any split's metrics: every split
            // then uses them (thresholds on the recalibrated probabilities, which the predictions files hold)
            var raw = new Dictionary<string, SplitResults>(passes);
            var recalibration = options.Recalibration.Count == 0 ? Recalibration.None
                : Recalibration.Fit(spec.Heads, options.Recalibration, h => passes.GetValueOrDefault("val")?.Labelled(h), observer.Note);
            if (!recalibration.IsEmpty)
            {
                recalibration.Write(files.Calibration);
                foreach (var split in raw.Keys) passes[split] = raw[split].Recalibrated(recalibration);
            }
            // a Cox head's baseline hazard, fitted once on the training split's risks, gives every split survival
            // probabilities (docs/survival.md)
            var baseline = BaselineHazards.Fit(spec.Heads, h => passes.GetValueOrDefault("train")?.SurvivalLabelled(h), observer.Note);
            if (!baseline.IsEmpty)
            {
                baseline.Write(files.BaselineHazard);
                foreach (var split in raw.Keys) passes[split] = passes[split].WithBaseline(baseline);
            }
            var val = passes.GetValueOrDefault("val");
            var thresholds = LockedThresholds.Choose(spec.Heads, h => val?.Labelled(h), options.Thresholds, ClassNamesOf, observer.Note);
            thresholds.Write(files.Thresholds);
            foreach (var split in new[] { "train", "val", "test" })
            {
                if (!passes.TryGetValue(split, out var results)) continue;
                results.WritePredictions(files.Predictions(split));
                var (metrics, bounds) = results.LockedMetrics(split, thresholds, options.Thresholds, ClassNamesOf, options.Intervals, options.Seed);
                raw[split].AddUncalibrated(split, recalibration, options.Intervals, options.Seed, metrics, bounds);
                MetricsTable.Write(files.PredictionMetrics(split), metrics, bounds, options.Intervals);
                foreach (var (k, v) in metrics) all[k] = v;
                foreach (var (k, v) in bounds) intervals[k] = v;
            }
            return (all, intervals);
        }

        private string[] ClassNamesOf(HeadSpec head) => Report.ClassNames.For(head, data.Options.LabelsMap);

        /// <summary>One pass in evaluation mode (no dropout, the first num_videos videos, no gradients).</summary>
        // every probe the trainer builds (MilModel, EncoderProbe) takes its pooled vector before its heads
        public SplitResults Evaluate(Probe model, IReadOnlyList<Study> studies, CancellationToken cancel = default) =>
            EvaluateWith((IPoolingProbe)model, data, plan.Spec, options.Loss, device, studies, cancel);

        /// <summary>
        /// One evaluation pass over <paramref name="studies"/>; with
        /// <paramref name="embeddings"/>, each study's pooled vector is kept there;
        /// <paramref name="watch"/> sees each batch's input right before its forward (attention telemetry).
        /// </summary>
        public static SplitResults EvaluateWith(IPoolingProbe model, Dataset data, ModelSpec spec, LossOptions loss, Device device, IReadOnlyList<Study> studies,
            CancellationToken cancel = default, StudyEmbeddings? embeddings = null, Action<ModelInput>? watch = null)
        {
            model.Module.eval();
            var results = new SplitResults(spec.Heads, loss) { SurvivalHorizons = SplitResults.HorizonsOf(spec.Heads, data.Studies.Split("train")) };
            using (no_grad())
            {
                foreach (var batch in data.Pass(studies, false, 0, 0, cancel))
                {
                    using (NewDisposeScope())
                    {
                        var input = Inputs(batch, device);
                        watch?.Invoke(input);
                        var pooled = model.Pool(input);
                        embeddings?.Add(batch.Studies.Select(s => s.Id), pooled);
                        results.Add(batch, model.Heads(pooled));
                    }
                    batch.Release();
                }
            }

            return results;
        }

        /// <summary>
        /// Tensors of a batch on the device: x, the video mask and, with a view embedding, the view ids. On the CPU x
        /// shares the batch's pooled buffer or its 16-bit tensor (allocating and copying ~50 MB per seed-scenario
        /// batch was a third of an epoch), so the caller releases the batch only once the tensors made from it are
        /// disposed.
        /// </summary>
        public static ModelInput Inputs(StudyBatch batch, Device device)
        {
            var x = batch.X16 is { } bits ? bits.view(batch.Shape).to(device)
                : frombuffer(batch.X, ScalarType.Float32, batch.Values.Length, 0).view(batch.Shape).to(device);
            var mask = tensor(batch.Mask, new[] { batch.Shape[0], batch.Shape[1] }).to(device);
            var ids = batch.ViewIds is { } v ? tensor(v, new[] { batch.Shape[0], batch.Shape[1] }).to(device) : null;
            return new ModelInput(x, mask, ids);
        }

        private void WriteSummary(TrainResult r) => AtomicFile.Write(files.Summary, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            // JSON has no NaN or infinity: a metric without a value is null
            void Number(string name, double v)
            {
                if (double.IsFinite(v)) json.WriteNumber(name, v);
                else json.WriteNull(name);
            }
            json.WriteStartObject();
            json.WriteNumber("epochs_run", r.EpochsRun);
            json.WriteBoolean("stopped_early", r.StoppedEarly);
            if (r.BestEpoch == 0) json.WriteNull("best_epoch");
            else json.WriteNumber("best_epoch", r.BestEpoch);
            json.WriteString("monitor", r.Monitor);
            Number("best_value", r.BestValue);
            json.WriteStartObject("metrics");
            foreach (var (key, value) in r.Metrics) Number(key, value);
            json.WriteEndObject();
            if (r.Intervals.Count > 0)
            {
                json.WriteStartObject("intervals");
                Number("level", options.Intervals.Level);
                json.WriteNumber("resamples", options.Intervals.Resamples);
                json.WriteNumber("seed", options.Seed);
                json.WriteStartObject("metrics");
                foreach (var (key, interval) in r.Intervals)
                {
                    json.WriteStartArray(key);
                    foreach (var bound in new[] { interval.Lower, interval.Upper })
                    {
                        if (double.IsFinite(bound)) json.WriteNumberValue(bound);
                        else json.WriteNullValue();
                    }

                    json.WriteEndArray();
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        });
    }
}
