using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// Probability recalibration fitted on the validation split and applied to every later prediction
    /// (calibration.json): <c>platt</c> (binary: p' = sigmoid(a + b logit p), the logistic regression of y on
    /// logit p), <c>isotonic</c> (binary: <see cref="Isotonic"/>), <c>temperature</c> (multiclass: p' = softmax(log p
    /// / T), the one T minimising the validation NLL, which equals dividing the logits by T).
    /// </summary>
    public sealed class Recalibration
    {
        public static readonly IReadOnlyDictionary<string, TaskKind> Methods = new Dictionary<string, TaskKind>
        {
            ["platt"] = TaskKind.Binary,
            ["isotonic"] = TaskKind.Binary,
            ["temperature"] = TaskKind.Multiclass,
        };

        private readonly Dictionary<string, (string Method, double A, double B, Isotonic? Iso)> heads;

        private Recalibration(Dictionary<string, (string, double, double, Isotonic?)> heads) { this.heads = heads; }

        public static readonly Recalibration None = new(new Dictionary<string, (string, double, double, Isotonic?)>());

        public bool IsEmpty => heads.Count == 0;

        public string? MethodOf(string head) => heads.TryGetValue(head, out var h) ? h.Method : null;

        /// <summary>
        /// Fits each head's method on its validation scores and labels; a head without both classes (or labels) on
        /// validation, or a method that does not fit its task, is left as it is and <paramref name="note"/> says why.
        /// </summary>
        public static Recalibration Fit(IReadOnlyList<HeadSpec> heads, IReadOnlyDictionary<string, string> methods,
            Func<int, (double[][] Scores, double[] Labels)?> validation, Action<string> note)
        {
            var fitted = new Dictionary<string, (string, double, double, Isotonic?)>();
            for (var h = 0; h < heads.Count; h++)
            {
                var head = heads[h];
                if (!methods.TryGetValue(head.Name, out var method) || method == "none") continue;
                if (!Methods.TryGetValue(method, out var task) || task != head.Task)
                {
                    note($"warning: training.recalibration: {method} is for {(task == TaskKind.Binary ? "binary" : "multiclass")} heads; {head.Name} ({head.Task.ToString().ToLowerInvariant()}) is left uncalibrated");
                    continue;
                }
                var data = validation(h);
                if (data is not { } v || v.Labels.Distinct().Count() < 2)
                {
                    note($"warning: {head.Name}: validation lacks two classes, so {method} cannot be fitted; its probabilities are left as they are");
                    continue;
                }
                var ones = Enumerable.Repeat(1.0, v.Labels.Length).ToArray();
                switch (method)
                {
                    case "platt":
                        var (a, b) = Calibration.Logistic(v.Scores.Select(s => Calibration.Logit(s[0])).ToArray(), v.Labels.Select(y => y > 0.5 ? 1.0 : 0.0).ToArray(), ones,
                            offset: false);
                        if (double.IsNaN(a)) { note($"warning: {head.Name}: validation's classes are separated, so Platt's fit has no maximum; its probabilities are left as they are"); continue; }
                        fitted[head.Name] = (method, a, b, null);
                        break;
                    case "isotonic":
                        fitted[head.Name] = (method, 0, 0, Isotonic.Fit(v.Scores.Select(s => s[0]).ToArray(), v.Labels.Select(y => y > 0.5 ? 1.0 : 0.0).ToArray()));
                        break;
                    default:
                        fitted[head.Name] = (method, Temperature(v.Scores, v.Labels.Select(y => (int)y).ToArray()), 0, null);
                        break;
                }
            }
            return new Recalibration(fitted);
        }

        /// <summary>The T in [0.05, 20] minimising the mean NLL of softmax(log p / T), by golden-section search on
        /// log T (the NLL is convex in 1 / T).</summary>
        public static double Temperature(double[][] probability, int[] label)
        {
            double Nll(double logT)
            {
                double t = Math.Exp(logT), sum = 0;
                for (var i = 0; i < label.Length; i++)
                {
                    var z = probability[i].Select(p => Math.Log(Math.Max(p, 1e-300)) / t).ToArray();
                    double max = z.Max(), lse = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
                    sum += lse - z[label[i]];
                }
                return sum / label.Length;
            }
            double lo = Math.Log(0.05), hi = Math.Log(20), g = (Math.Sqrt(5) - 1) / 2;
            double c = hi - g * (hi - lo), d = lo + g * (hi - lo), fc = Nll(c), fd = Nll(d);
            while (hi - lo > 1e-12)
            {
                if (fc < fd) { hi = d; d = c; fd = fc; c = hi - g * (hi - lo); fc = Nll(c); }
                else { lo = c; c = d; fc = fd; d = lo + g * (hi - lo); fd = Nll(d); }
            }
            return Math.Exp((lo + hi) / 2);
        }

        /// <summary>A head's scores recalibrated (a copy; unchanged for a head without a method).</summary>
        public double[] Apply(string head, double[] scores)
        {
            if (!heads.TryGetValue(head, out var h)) return scores;
            switch (h.Method)
            {
                case "platt": return new[] { Calibration.Sigmoid(h.A + h.B * Calibration.Logit(scores[0])) };
                case "isotonic": return new[] { h.Iso!.Predict(scores[0]) };
                default:
                    var z = scores.Select(p => Math.Log(Math.Max(p, 1e-300)) / h.A).ToArray();
                    var max = z.Max();
                    var e = z.Select(v => Math.Exp(v - max)).ToArray();
                    var sum = e.Sum();
                    return e.Select(v => v / sum).ToArray();
            }
        }

        public void Write(string path) => AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            foreach (var (head, h) in heads)
            {
                json.WriteStartObject(head);
                json.WriteString("method", h.Method);
                json.WriteString("fitted_on", "val");
                switch (h.Method)
                {
                    case "platt": json.WriteNumber("intercept", h.A); json.WriteNumber("slope", h.B); break;
                    case "temperature": json.WriteNumber("temperature", h.A); break;
                    default:
                        json.WriteStartArray("x");
                        foreach (var v in h.Iso!.X) json.WriteNumberValue(v);
                        json.WriteEndArray();
                        json.WriteStartArray("y");
                        foreach (var v in h.Iso!.Y) json.WriteNumberValue(v);
                        json.WriteEndArray();
                        break;
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
        });

        /// <summary>A run's calibration.json; InvalidDataException
        /// naming the file and head when it cannot be read.</summary>
        public static Recalibration Read(string path)
        {
            var fitted = new Dictionary<string, (string, double, double, Isotonic?)>();
            try
            {
                var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
                foreach (var (head, node) in root)
                {
                    var method = node!["method"]!.GetValue<string>();
                    double[] Array(string key) => node[key]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
                    fitted[head] = method switch
                    {
                        "platt" => (method, node["intercept"]!.GetValue<double>(), node["slope"]!.GetValue<double>(), null),
                        "temperature" => (method, node["temperature"]!.GetValue<double>(), 0, null),
                        "isotonic" => (method, 0, 0, new Isotonic(Array("x"), Array("y"))),
                        _ => throw new InvalidDataException($"{path}: {head}: unknown method '{method}' (platt, isotonic or temperature)"),
                    };
                }
            }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: not a calibration file of this product ({e.Message.ReplaceLineEndings(" ")})");
            }
            return new Recalibration(fitted);
        }
    }
}
