using System.Collections.Generic;
using System.IO;
using DeepCoro.Runtime.Training;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// Counts the batches skipped for a non-finite loss (not back-propagated, not in the epoch's metrics) and the
    /// optimizer steps skipped for a non-finite gradient or for having no finite batch; after
    /// <see cref="TelemetryOptions.MaxConsecutiveSkips"/> skipped steps in a row it stops the run. Nothing is saved
    /// then: the checkpoint of the last finished epoch stays as it was.
    /// </summary>
    public sealed class NonFiniteGuard
    {
        private readonly int limit;
        private readonly string checkpoint;
        private int inARow;

        public NonFiniteGuard(int limit, string checkpoint)
        {
            this.limit = System.Math.Max(1, limit);
            this.checkpoint = checkpoint;
        }

        public int SkippedBatches { get; private set; }

        public int SkippedSteps { get; private set; }

        public void Batch(double loss)
        {
            if (!double.IsFinite(loss)) SkippedBatches++;
        }

        /// <param name="epoch">the epoch, counted from 1.</param>
        /// <param name="step">the optimizer step, counted from 1 over the run.</param>
        public void Update(UpdateOutcome outcome, int epoch, long step)
        {
            if (outcome == UpdateOutcome.Stepped) { inARow = 0; return; }
            SkippedSteps++;
            if (++inARow < limit) return;
            var kept = File.Exists(checkpoint)
                ? $"{checkpoint} is kept as the last good epoch left it"
                : "no checkpoint had been written yet";
            throw new NonFiniteTrainingException(
                $"epoch {epoch}, step {step}: {inARow} optimizer steps in a row skipped for a non-finite loss or gradient; the run stops ({kept}). Lower the learning rate, check the embeddings, or set max_grad_norm");
        }

        /// <summary>The epoch's counts, then zero (the run of skips in a row carries over).</summary>
        public OrderedDictionary<string, double> Scalars()
        {
            var scalars = new OrderedDictionary<string, double>
            {
                ["train/skipped_batches"] = SkippedBatches,
                ["train/skipped_steps"] = SkippedSteps,
            };
            SkippedBatches = SkippedSteps = 0;
            return scalars;
        }
    }
}
