using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// Runs a probe on named input tensors (x, mask, view_ids, and probe.* for gradients) and returns named
    /// outputs: out.&lt;head&gt; (or out), and with gradients grad.x and grad.&lt;parameter key&gt; of
    /// sum over heads of sum(out * probe). This is how a port is proven exact against PyTorch.
    /// </summary>
    public static class Inference
    {
        public static OrderedDictionary<string, Tensor> Run(MilModel model, IReadOnlyDictionary<string, Tensor> inputs, bool withGrad, string source) =>
            Run(model, inputs, withGrad, source, x =>
            {
                var input = new ModelInput(x, Optional(inputs, "mask"), Optional(inputs, "view_ids"));
                return model.forward(input).Select(kv => new KeyValuePair<string, Tensor>("out." + kv.Key, kv.Value)).ToList();
            });

        public static OrderedDictionary<string, Tensor> Run(LinearProbingHead head, IReadOnlyDictionary<string, Tensor> inputs, bool withGrad, string source) =>
            Run(head, inputs, withGrad, source, x => new List<KeyValuePair<string, Tensor>> { new("out", head.forward(x)) });

        private static Tensor? Optional(IReadOnlyDictionary<string, Tensor> inputs, string key) =>
            inputs.TryGetValue(key, out var t) ? t : null;

        private static OrderedDictionary<string, Tensor> Run(nn.Module model, IReadOnlyDictionary<string, Tensor> inputs, bool withGrad, string source,
            Func<Tensor, List<KeyValuePair<string, Tensor>>> forward)
        {
            if (!inputs.TryGetValue("x", out var x)) throw new InputShapeException($"{source}: no tensor 'x' (the input) among [{string.Join(", ", inputs.Keys)}]");
            if (x.dtype != ScalarType.Float32) throw new InputShapeException($"{source}: 'x' must be float32, got {x.dtype}");
            if (!IO.Finite.All(x)) throw new InputShapeException($"{source}: 'x' holds NaN or infinite values; inputs must be finite, as training requires of its embeddings");
            model.eval();
            var result = new OrderedDictionary<string, Tensor>();
            if (!withGrad)
            {
                using (no_grad())
                    foreach (var (key, value) in forward(x)) result[key] = value.detach();
                return result;
            }
            model.zero_grad();
            var leaf = x.detach().requires_grad_(true);
            var outputs = forward(leaf);
            var objective = zeros(1);
            foreach (var (key, value) in outputs)
            {
                var probeKey = "probe" + key.Substring(3);
                if (!inputs.TryGetValue(probeKey, out var probe))
                    throw new InputShapeException($"{source}: the gradients need '{probeKey}' shaped like '{key}' [{string.Join(", ", value.shape)}]");
                if (!probe.shape.SequenceEqual(value.shape))
                    throw new InputShapeException($"{source}: '{probeKey}' is [{string.Join(", ", probe.shape)}], expected [{string.Join(", ", value.shape)}] like '{key}'");
                objective = objective + (value * probe).sum();
                result[key] = value.detach();
            }
            objective.backward();
            result["grad.x"] = leaf.grad!.detach();
            foreach (var (name, p) in model.named_parameters())
                if (p.grad is { } g) result["grad." + name] = g.detach();
            return result;
        }
    }
}
