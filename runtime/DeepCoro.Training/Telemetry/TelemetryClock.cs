using System;
using System.Diagnostics;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// The time spent inside telemetry code, so that each epoch reports what its own measuring cost (on CUDA this
    /// counts the launches, not the kernels queued behind them).
    /// </summary>
    public sealed class TelemetryClock
    {
        private long ticks;

        public double Seconds => (double)ticks / Stopwatch.Frequency;

        public void Reset() => ticks = 0;

        public Span Measure() => new(this, Stopwatch.GetTimestamp());

        public readonly struct Span : IDisposable
        {
            private readonly TelemetryClock clock;
            private readonly long start;

            public Span(TelemetryClock clock, long start) { this.clock = clock; this.start = start; }

            public void Dispose() => clock.ticks += Stopwatch.GetTimestamp() - start;
        }
    }
}
