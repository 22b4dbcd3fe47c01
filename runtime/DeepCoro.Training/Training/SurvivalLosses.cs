using System;
using System.Linq;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The losses of survival heads (docs/survival.md), per sample so that their sum is the batch's negative
    /// log-likelihood. Times and events are labels (no gradient), so their sort and tie groups are computed on the
    /// host and only the risk scores go through differentiable tensor operations.
    /// </summary>
    public static class SurvivalLosses
    {
        /// <summary>
        /// Cox's negative partial log-likelihood over the risk sets of the batch: per event i at time t,
        /// log(sum over j with t_j &gt;= t of exp(r_j) - Efron's correction) - r_i; 0 for a censored sample. Efron
        /// subtracts l/d of the tied events' exp(r) for the l-th of d events at t (l = 0..d-1); Breslow subtracts
        /// nothing. The sum over samples equals minus R survival's coxph(Surv(t, e) ~ offset(r))$loglik. exp is taken
        /// after subtracting the batch's largest risk. A batch without events gives zeros (a zero gradient).
        /// </summary>
        public static Tensor Cox(Tensor risk, double[] time, bool[] @event, CoxTies ties)
        {
            var n = time.Length;
            if (risk.shape.Length != 1 || risk.shape[0] != n || @event.Length != n)
                throw new ArgumentException($"cox loss: risk {string.Join("x", risk.shape)}, {n} times, {@event.Length} events");
            var order = Enumerable.Range(0, n).OrderByDescending(i => time[i]).ToArray();
            var groupStart = new long[n];
            var groupEnd = new long[n];
            var eventPositions = new System.Collections.Generic.List<long>();
            var fraction = new System.Collections.Generic.List<double>();
            for (var start = 0; start < n;)
            {
                var end = start;
                while (end < n && time[order[end]] == time[order[start]]) end++;
                var events = 0;
                for (var k = start; k < end; k++) if (@event[order[k]]) events++;
                var l = 0;
                for (var k = start; k < end; k++)
                {
                    groupStart[k] = start;
                    groupEnd[k] = end - 1;
                    if (!@event[order[k]]) continue;
                    eventPositions.Add(k);
                    fraction.Add(ties == CoxTies.Efron ? (double)l / events : 0.0);
                    l++;
                }
                start = end;
            }
            if (eventPositions.Count == 0) return risk.mul(zeros_like(risk));
            var device = risk.device;
            using var orderT = tensor(order.Select(i => (long)i).ToArray(), device: device);
            using var endT = tensor(groupEnd, device: device);
            using var startT = tensor(groupStart, device: device);
            using var eventsT = tensor(eventPositions.ToArray(), device: device);
            using var isEvent = tensor(order.Select(i => @event[i] ? 1.0 : 0.0).ToArray(), device: device).to(risk.dtype);
            using var fractionT = tensor(fraction.ToArray(), device: device).to(risk.dtype);
            var sorted = risk.index_select(0, orderT);
            var shift = sorted.max().detach();
            var x = (sorted - shift).exp();
            // Risk-set sums: the cumulative sum up to the end of each tie group; the tied events' sum by differences.
            var atRisk = x.cumsum(0).index_select(0, endT);
            var eventSums = cat(new[] { zeros(1, dtype: x.dtype, device: device), (x * isEvent).cumsum(0) });
            var tied = eventSums.index_select(0, endT + 1) - eventSums.index_select(0, startT);
            var denominator = atRisk.index_select(0, eventsT) - fractionT * tied.index_select(0, eventsT);
            var terms = denominator.log() + shift - sorted.index_select(0, eventsT);
            using var eventSamples = orderT.index_select(0, eventsT);
            return zeros_like(risk).scatter(0, eventSamples, terms);
        }

        /// <summary>
        /// The discrete-time (logistic hazard) negative log-likelihood. Interval k is (a_{k-1}, a_k] with a_0 = 0
        /// and the head's boundaries a_1 &lt; ... &lt; a_K; logit z_k gives the hazard h_k = sigmoid(z_k), the
        /// probability of the event in interval k having survived the earlier ones. An event at t in interval k
        /// contributes -log h_k - sum_{j&lt;k} log(1 - h_j); a censoring at t contributes -sum log(1 - h_j) over the
        /// intervals that end at or before t (it survived those; the interval it was censored in is left out); a
        /// time after a_K counts as surviving all K intervals, event or not.
        /// </summary>
        public static Tensor DiscreteTime(Tensor logits, double[] time, bool[] @event, double[] boundaries)
        {
            int n = time.Length, intervals = boundaries.Length;
            if (logits.shape.Length != 2 || logits.shape[0] != n || logits.shape[1] != intervals)
                throw new ArgumentException($"discrete-time loss: logits {string.Join("x", logits.shape)}, {n} times, {intervals} intervals");
            var survived = new double[n * intervals];
            var hazard = new double[n * intervals];
            for (var i = 0; i < n; i++)
            {
                var k = Interval(boundaries, time[i]);
                var through = @event[i] ? k : boundaries.Count(a => a <= time[i]);
                for (var j = 0; j < Math.Min(through, intervals); j++) survived[i * intervals + j] = 1;
                if (@event[i] && k < intervals) hazard[i * intervals + k] = 1;
            }
            var device = logits.device;
            using var survivedT = tensor(survived, n, intervals, device: device).to(logits.dtype);
            using var hazardT = tensor(hazard, n, intervals, device: device).to(logits.dtype);
            // -log(1 - sigmoid(z)) = softplus(z); -log(sigmoid(z)) = softplus(-z).
            return (nn.functional.softplus(logits) * survivedT + nn.functional.softplus(logits.neg()) * hazardT).sum(1);
        }

        /// <summary>A survival head's per-sample losses on its labelled samples:
        /// logits [M, outputs], their times and events.</summary>
        public static Tensor PerSample(HeadSpec head, Tensor logits, double[] time, bool[] @event, LossOptions options) => head.Loss switch
        {
            LossKind.Cox => Cox(logits[.., 0], time, @event, options.Ties),
            LossKind.DiscreteTime => DiscreteTime(logits, time, @event, head.Intervals!.ToArray()),
            _ => throw new ArgumentException($"survival head '{head.Name}': loss {head.Loss} is not a survival loss"),
        };

        /// <summary>Scores for metrics and predictions: the risk [M, 1] of a Cox head (its output); a discrete head's
        /// risk (<see cref="DiscreteRisk"/>) then its survival at each bound, [M, 1 + K].</summary>
        public static Tensor Scores(HeadSpec head, Tensor logits) => head.Loss == LossKind.DiscreteTime
            ? cat(new[] { DiscreteRisk(logits).unsqueeze(1), DiscreteSurvival(logits) }, 1)
            : logits[.., 0..1];

        /// <summary>The interval a time falls in: the first k with t &lt;= a_k (K when after the last).</summary>
        public static int Interval(double[] boundaries, double time)
        {
            var k = 0;
            while (k < boundaries.Length && time > boundaries[k]) k++;
            return k;
        }

        /// <summary>The discrete head's survival S(a_k) = prod_{j&lt;=k} (1 - h_j) at each boundary, [M, K].</summary>
        public static Tensor DiscreteSurvival(Tensor logits) => nn.functional.softplus(logits).neg().cumsum(1).exp();

        /// <summary>The discrete head's risk score: the cumulative hazard -log S(a_K) up to the last bound.</summary>
        public static Tensor DiscreteRisk(Tensor logits) => nn.functional.softplus(logits).sum(1);
    }
}
