using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO
{
    /// <summary>Strict state_dict loading and saving by the reference's key names.</summary>
    public static class StateDict
    {
        public static OrderedDictionary<string, Tensor> Of(nn.Module model)
        {
            var result = new OrderedDictionary<string, Tensor>();
            foreach (var (name, p) in model.named_parameters()) result[name] = p;
            foreach (var (name, b) in model.named_buffers()) result[name] = b;
            return result;
        }

        /// <summary>
        /// Copies every tensor into the model; keys must match exactly and shapes too,
        /// values must be finite. Floating types are converted. <paramref name="explain"/>
        /// may add why the keys differ (given the missing and the unexpected ones).
        /// </summary>
        public static void LoadStrict(nn.Module model, IReadOnlyDictionary<string, Tensor> tensors, string source,
            Func<IReadOnlyList<string>, IReadOnlyList<string>, string?>? explain = null)
        {
            var own = Of(model);
            var missing = own.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
            var unexpected = tensors.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                var parts = new List<string>();
                if (missing.Count > 0) parts.Add("missing keys: " + string.Join(", ", missing));
                if (unexpected.Count > 0) parts.Add("unexpected keys: " + string.Join(", ", unexpected));
                var why = explain?.Invoke(missing, unexpected) is { } reason ? "; " + reason : "";
                throw new StateDictException($"{source}: weights do not fit the model ({string.Join("; ", parts)}){why}");
            }
            foreach (var (key, target) in own)
            {
                var value = tensors[key];
                if (!value.shape.SequenceEqual(target.shape))
                    throw new StateDictException($"{source}: '{key}' has shape [{string.Join(", ", value.shape)}], the model expects [{string.Join(", ", target.shape)}]");
                if (!value.is_floating_point())
                    throw new StateDictException($"{source}: '{key}' has dtype {value.dtype}, expected a floating-point tensor");
                if (!Finite.All(value))
                    throw new StateDictException($"{source}: '{key}' holds NaN or infinite values; weights must be finite (a diverged run's, or a corrupt file?)");
            }
            using (no_grad())
                foreach (var (key, target) in own) target.copy_(tensors[key]);
        }
    }
}
