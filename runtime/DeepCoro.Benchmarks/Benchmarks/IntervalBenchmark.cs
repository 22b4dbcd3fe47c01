using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using DeepCoro.Runtime.Evaluation;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// Times <see cref="Bootstrap.Intervals"/> for one head of each task on random
    /// data (a regression head, a binary head with 30 % positives, a 3-class head):
    /// every interval of the head's metrics from <c>resamples</c> resamples.
    /// </summary>
    public static class IntervalBenchmark
    {
        public static IReadOnlyList<IntervalBenchResult> Run(int samples, int resamples, int repeats, int seed = 1)
        {
            var rng = new Random(seed);
            double Draw() => Seeding.Gaussian(rng);
            var target = Enumerable.Range(0, samples).Select(_ => Draw()).ToArray();
            var positive = Enumerable.Range(0, samples).Select(_ => rng.NextDouble() < 0.3).ToArray();
            var labels = Enumerable.Range(0, samples).Select(_ => rng.Next(3)).ToArray();
            var heads = new (string Task, HeadSamples Samples)[]
            {
                ("regression", new RegressionSamples(target.Select(t => t + Draw()).ToArray(), target)),
                ("binary", new BinarySamples(positive.Select(p => 1 / (1 + Math.Exp(-(p ? 1 : 0) - Draw()))).ToArray(), positive)),
                ("multiclass", new MulticlassSamples(labels.Select(y =>
                {
                    var logits = Enumerable.Range(0, 3).Select(c => (c == y ? 1.0 : 0.0) + Draw()).ToArray();
                    var sum = logits.Sum(Math.Exp);
                    return logits.Select(l => Math.Exp(l) / sum).ToArray();
                }).ToArray(), labels, 3)),
            };
            var options = new IntervalOptions { Resamples = resamples };
            var results = new List<IntervalBenchResult>();
            foreach (var (task, head) in heads)
            {
                Bootstrap.Intervals(head, options, seed, 0);   // warm-up: JIT and thread pool
                var times = new List<double>();
                var cpu = new List<double>();
                for (var r = 0; r < repeats; r++)
                {
                    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    Bootstrap.Intervals(head, options, seed, r);
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
                }
                times.Sort();
                cpu.Sort();
                results.Add(new IntervalBenchResult(task, samples, resamples, Environment.ProcessorCount, times[times.Count / 2], cpu[cpu.Count / 2]));
            }
            return results;
        }
    }
}
