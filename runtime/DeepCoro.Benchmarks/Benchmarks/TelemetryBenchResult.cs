using DeepCoro.Runtime.Telemetry;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// What the run's telemetry adds to a training step and to an eval forward, in mean CPU ms of the process (all
    /// threads): steps without and with telemetry alternate on one model, so warm-up, drift and other processes'
    /// load fall on both alike. Means, not medians: the gradient samples come every
    /// <see cref="TelemetryOptions.SampleEvery"/>-th step, and a median would hide them.
    /// </summary>
    public sealed record TelemetryBenchResult(int Pairs, double TrainStepCpuMs, double TrainTelemetryCpuMs, double EvalCpuMs, double EvalTelemetryCpuMs)
    {
        public double TrainShare => TrainTelemetryCpuMs / TrainStepCpuMs;
        public double EvalShare => EvalTelemetryCpuMs / EvalCpuMs;
    }
}
