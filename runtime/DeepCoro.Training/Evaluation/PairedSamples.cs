using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Two models' samples of one head on the same studies, in the same order: every metric of A minus the same
    /// metric of B under one set of weights. <see cref="Bootstrap.Intervals"/> over it resamples the same studies for
    /// both models (within each class, by A's labels, which are B's), so the interval of a difference uses the one
    /// implementation of each metric that the reported values use.
    /// </summary>
    public sealed class PairedSamples : HeadSamples
    {
        private readonly HeadSamples a, b;

        public PairedSamples(HeadSamples a, HeadSamples b) : base(a.Task, a.Count)
        {
            if (a.Task != b.Task || a.Count != b.Count)
                throw new ArgumentException($"paired samples: {a.Task} head with {a.Count} studies against {b.Task} with {b.Count}; the same studies of the same head are needed");
            this.a = a;
            this.b = b;
        }

        public override IReadOnlyList<string> Names => a.Names;

        public override int[]? Strata => a.Strata;

        public override void Evaluate(ReadOnlySpan<double> weight, Span<double> into)
        {
            Span<double> ofB = stackalloc double[into.Length];
            a.Evaluate(weight, into);
            b.Evaluate(weight, ofB);
            for (var k = 0; k < into.Length; k++) into[k] -= ofB[k];
        }
    }
}
