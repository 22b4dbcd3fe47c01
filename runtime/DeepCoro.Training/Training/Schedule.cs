using System;

namespace DeepCoro.Runtime.Training
{
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
