namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Scheduler settings. Every schedule is a factor of the base learning rates, a function of the optimizer
    /// step t on the horizon T = all optimizer steps of the run: the reference stepped its non-warmup schedulers
    /// once per epoch against a per-step horizon (its defect 6); here each one is evaluated per optimizer step
    /// with periods given in epochs converted to steps.
    /// </summary>
    [GenerateWith]
    public sealed partial record ScheduleOptions
    {
        public ScheduleKind Kind { get; init; } = ScheduleKind.Constant;
        /// <summary>step: the period in epochs (lr_step_period) and the factor per period (factor).</summary>
        public double StepPeriodEpochs { get; init; } = 1;
        public double Factor { get; init; } = 0.1;
        /// <summary>Warmup as a share of all steps (num_warmup_percent, 0..1).</summary>
        public double WarmupFraction { get; init; } = 0.1;
        /// <summary>cosine_warm_restart: first cycle length in epochs and
        /// the growth of each next cycle (warm_restart_tmult).</summary>
        public double RestartPeriodEpochs { get; init; } = 1;
        public int RestartMultiplier { get; init; } = 1;
        /// <summary>cosine_with_hard_restarts_with_warmup: number of cycles (num_hard_restarts_cycles).</summary>
        public double HardRestartCycles { get; init; } = 1;
        /// <summary>cosine, cosine_warm_restart: the floor as a share of the base rate (eta_min / lr).</summary>
        public double MinFactor { get; init; } = 0;
    }
}
