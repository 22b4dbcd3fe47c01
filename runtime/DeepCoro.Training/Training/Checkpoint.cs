using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// One safetensors file written atomically after every epoch: model.* (the model's state_dict), optim.m.* and
    /// optim.v.* (the optimizer's moments), rng (the torch CPU generator state) and the
    /// <see cref="TrainingState"/>, the spec IR, the run's canonical options (<see cref="RunOptions"/>) and its
    /// planned epochs in the metadata. The data order needs no state: it is a function of (seed, epoch); so is the
    /// CUDA generator, reseeded every epoch (TorchSharp 0.107 cannot read its state).
    /// </summary>
    public static class Checkpoint
    {
        public static void Save(string path, nn.Module model, AdamOptimizer optimizer, TrainingState state, string specJson, string options, int epochs)
        {
            var tensors = new List<KeyValuePair<string, Tensor>>();
            foreach (var (k, v) in StateDict.Of(model)) tensors.Add(new("model." + k, v));
            tensors.AddRange(optimizer.State());
            using var rng = random.get_rng_state();
            tensors.Add(new("rng", rng));
            var meta = new Dictionary<string, string>
            {
                ["epochs_done"] = state.EpochsDone.ToString(CultureInfo.InvariantCulture),
                ["step"] = state.Step.ToString(CultureInfo.InvariantCulture),
                ["best"] = state.Best.ToString("R", CultureInfo.InvariantCulture),
                ["best_epoch"] = state.BestEpoch.ToString(CultureInfo.InvariantCulture),
                ["epochs_without_improvement"] = state.EpochsWithoutImprovement.ToString(CultureInfo.InvariantCulture),
                ["spec"] = specJson,
                ["options"] = options,
                ["epochs"] = epochs.ToString(CultureInfo.InvariantCulture),
            };
            Safetensors.Save(path, tensors, meta);
        }

        private static readonly string[] StateKeys = { "epochs_done", "step", "best", "best_epoch", "epochs_without_improvement" };

        /// <summary>
        /// Restores model, optimizer and RNG; returns the state and the epochs the run was planned for. A truncated
        /// or foreign file, or one trained with other options, fails with one line naming it before the model is
        /// touched; the tensors read are disposed whatever happens.
        /// </summary>
        public static (TrainingState State, int Epochs) Load(string path, nn.Module model, AdamOptimizer optimizer, string specJson, string options)
        {
            var meta = Safetensors.ReadHeader(path).Metadata;
            foreach (var k in StateKeys)
            {
                if (!meta.TryGetValue(k, out var v) || !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw new SafetensorsException($"{path}: not a training checkpoint (its metadata lacks a numeric '{k}')");
            }

            if (meta.TryGetValue("spec", out var saved) && saved != specJson)
                throw new SafetensorsException($"{path}: the checkpoint was written for another model spec; resume with the config it was trained with");
            if (!meta.TryGetValue("options", out var savedOptions) || !meta.TryGetValue("epochs", out var savedEpochs))
                throw new SafetensorsException($"{path}: the checkpoint does not record its training options (written by an older version); start a new run");
            var differences = RunOptions.Differences(savedOptions, options, Path.GetDirectoryName(Path.GetFullPath(path))!);
            if (differences.Count > 0)
            {
                throw new SafetensorsException($"{path}: the config's training options differ from the checkpoint's ({string.Join("; ", differences)})",
                    Remedy.ResumeWithSameOptions);
            }

            double D(string k) => double.Parse(meta[k], CultureInfo.InvariantCulture);
            var tensors = Safetensors.Load(path);
            try
            {
                var model_ = tensors.Where(kv => kv.Key.StartsWith("model.")).ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value);
                StateDict.LoadStrict(model, model_, path);
                optimizer.Load(tensors, (long)D("step"), path);
                if (!tensors.TryGetValue("rng", out var rng)) throw new SafetensorsException($"{path}: not a training checkpoint (no 'rng' tensor)");
                random.set_rng_state(rng);
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
            return (new TrainingState((int)D("epochs_done"), (long)D("step"), D("best"), (int)D("best_epoch"), (int)D("epochs_without_improvement")),
                int.Parse(savedEpochs, CultureInfo.InvariantCulture));
        }
    }
}
