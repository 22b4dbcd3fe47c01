using System;

namespace DeepCoro.Runtime.Training
{
    public enum ScheduleKind { Constant, Step, Cosine, CosineWarmRestart, LinearWarmup, CosineWithWarmup, CosineWithHardRestartsWithWarmup }

    /// <summary>
    /// Scheduler settings. Every schedule is a factor of the base learning rates, a function of the optimizer
    /// step t on the horizon T = all optimizer steps of the run: the reference stepped its non-warmup schedulers
    /// once per epoch against a per-step horizon (its defect 6); here each one is evaluated per optimizer step
    /// with periods given in epochs converted to steps.
    /// </summary>
    public sealed record ScheduleOptions
    {
        public ScheduleKind Kind { get; init; } = ScheduleKind.Constant;
        /// <summary>step: the period in epochs (lr_step_period) and the factor per period (factor).</summary>
        public double StepPeriodEpochs { get; init; } = 1;
        public double Factor { get; init; } = 0.1;
        /// <summary>Warmup as a share of all steps (num_warmup_percent, 0..1).</summary>
        public double WarmupFraction { get; init; } = 0.1;
        /// <summary>cosine_warm_restart: first cycle length in epochs and the growth of each next cycle (warm_restart_tmult).</summary>
        public double RestartPeriodEpochs { get; init; } = 1;
        public int RestartMultiplier { get; init; } = 1;
        /// <summary>cosine_with_hard_restarts_with_warmup: number of cycles (num_hard_restarts_cycles).</summary>
        public double HardRestartCycles { get; init; } = 1;
        /// <summary>cosine, cosine_warm_restart: the floor as a share of the base rate (eta_min / lr).</summary>
        public double MinFactor { get; init; } = 0;
    }

    /// <summary>The learning-rate factor at optimizer step t (0-based, the step about to be taken).</summary>
    public sealed class Schedule
    {
        private readonly ScheduleOptions o;
        private readonly long total, perEpoch;

        public Schedule(ScheduleOptions options, long stepsPerEpoch, int epochs)
        {
            o = options;
            perEpoch = Math.Max(1, stepsPerEpoch);
            total = Math.Max(1, perEpoch * epochs);
        }

        public long TotalSteps => total;
        public long WarmupSteps => (long)(o.WarmupFraction * total);

        public double Factor(long t) => o.Kind switch
        {
            ScheduleKind.Constant => 1,
            ScheduleKind.Step => Math.Pow(o.Factor, Math.Floor(t / Math.Max(1.0, o.StepPeriodEpochs * perEpoch))),
            ScheduleKind.Cosine => Cosine((double)Math.Min(t, total) / total),
            ScheduleKind.CosineWarmRestart => WarmRestart(t),
            ScheduleKind.LinearWarmup => t < WarmupSteps ? (double)t / Math.Max(1, WarmupSteps)
                : Math.Max(0, (double)(total - t) / Math.Max(1, total - WarmupSteps)),
            ScheduleKind.CosineWithWarmup => t < WarmupSteps ? (double)t / Math.Max(1, WarmupSteps)
                : Math.Max(0, 0.5 * (1 + Math.Cos(Math.PI * Progress(t)))),
            ScheduleKind.CosineWithHardRestartsWithWarmup => t < WarmupSteps ? (double)t / Math.Max(1, WarmupSteps)
                : Progress(t) >= 1 ? 0 : Math.Max(0, 0.5 * (1 + Math.Cos(Math.PI * (o.HardRestartCycles * Progress(t) % 1.0)))),
            _ => throw new ArgumentException($"unknown schedule {o.Kind}"),
        };

        private double Progress(long t) => (double)(t - WarmupSteps) / Math.Max(1, total - WarmupSteps);

        private double Cosine(double progress) => o.MinFactor + (1 - o.MinFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress));

        /// <summary>SGDR: cycles of T_i = T_0 * mult^i steps, cosine from 1 to the floor within each.</summary>
        private double WarmRestart(long t)
        {
            double cycle = Math.Max(1, Math.Round(o.RestartPeriodEpochs * perEpoch)), start = 0;
            while (t >= start + cycle) { start += cycle; cycle *= Math.Max(1, o.RestartMultiplier); }
            return Cosine((t - start) / cycle);
        }
    }
}
