using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// DeepCORO_CLIP's checkpoints as its linear-probing runner saves them: {"linear_probing": state_dict,
    /// "optimizer", "scheduler", "epoch", "scaler"}, the state_dict's keys under "mil_model." (the MIL model, with
    /// DistributedDataParallel's "module." inside or outside) and "video_encoder." (the encoder, which embeddings
    /// replace here). A bare state_dict (name -> tensor) of the MIL model is read too.
    /// </summary>
    public static class ReferenceCheckpoint
    {
        public const string ModelEntry = "linear_probing";
        public const string EpochEntry = "epoch";
        private const string MilPrefix = "mil_model.";
        private const string EncoderPrefix = "video_encoder.";
        private const string DdpPrefix = "module.";

        /// <summary>
        /// How the reference's projects build every MIL model they train or load: they never pass the config's
        /// num_attention_heads or normalization_strategy, so its checkpoints hold layers of 8 heads, post-norm.
        /// </summary>
        public const int BuiltAttentionHeads = 8;
        public const NormPlacement BuiltNorm = NormPlacement.Post;

        /// <summary>The MIL model's tensors of a checkpoint or state_dict (CPU, contiguous); the optimizer and the
        /// rest are not read.</summary>
        public static CheckpointWeights Read(string path)
        {
            using var file = TorchFile.Open(path);
            if (file.Root is not PickledDict root)
                throw new TorchFileException($"{path}: holds a single {(file.Root is PickledTensor ? "tensor" : "value")}; expected a DeepCORO_CLIP checkpoint (a dict with '{ModelEntry}') or a state_dict");
            PickledDict stateDict;
            var fromRunner = root.TryGetValue(ModelEntry, out var entry);
            if (fromRunner) stateDict = entry as PickledDict ?? throw new TorchFileException($"{path}: '{ModelEntry}' is not a state_dict");
            else if (root.Count > 0 && root.Entries.All(e => e.Key is string && e.Value is PickledTensor)) stateDict = root;
            else throw new TorchFileException($"{path}: neither a DeepCORO_CLIP checkpoint (no '{ModelEntry}' among its keys {root.KeySummary()}) nor a state_dict (names -> tensors)");
            long? epoch = fromRunner && root.TryGetValue(EpochEntry, out var e) && e is long n ? n : null;

            var tensors = new OrderedDictionary<string, Tensor>();
            var encoderKeys = new List<string>();
            var sourceKey = new Dictionary<string, string>();
            try
            {
                foreach (var (key, value) in stateDict.Entries)
                {
                    if (key is not string name || value is not PickledTensor tensor)
                        throw new TorchFileException($"{path}: state_dict entry '{key}' holds a {value?.GetType().Name ?? "None"}, expected a tensor");
                    var modelKey = ModelKey(name);
                    if (modelKey is null)
                    {
                        encoderKeys.Add(name);
                        continue;
                    }
                    if (sourceKey.TryGetValue(modelKey, out var first))
                        throw new TorchFileException($"{path}: '{first}' and '{name}' are both the model's '{modelKey}'");
                    sourceKey[modelKey] = name;
                    tensors[modelKey] = file.ReadTensor(tensor);
                }
            }
            catch
            {
                foreach (var t in tensors.Values) t.Dispose();
                throw;
            }
            return new CheckpointWeights(path, tensors, encoderKeys, epoch, fromRunner);
        }

        /// <summary>The key within the MIL model ("module." and "mil_model." dropped),
        /// or null for a video encoder key.</summary>
        public static string? ModelKey(string key)
        {
            var k = WithoutDdp(key);
            if (k.StartsWith(EncoderPrefix)) return null;
            return k.StartsWith(MilPrefix) ? WithoutDdp(k[MilPrefix.Length..]) : k;
        }

        private static string WithoutDdp(string key)
        {
            while (key.StartsWith(DdpPrefix)) key = key[DdpPrefix.Length..];
            return key;
        }

        /// <summary>
        /// Why a checkpoint's keys miss a model's, when the keys tell: shared against separate attention layers, or
        /// other heads. Null when they do not.
        /// </summary>
        public static string? ExplainMismatch(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected)
        {
            static bool Shared(string k) => k.StartsWith(ReferenceNames.SharedAttention + ".") || k.StartsWith(ReferenceNames.SharedNorm + ".");
            static bool Separate(string k) => k.StartsWith(ReferenceNames.SharedAttention + "_") || k.StartsWith(ReferenceNames.SharedNorm + "_");
            static IEnumerable<string> Heads(IEnumerable<string> keys) =>
                keys.Where(k => k.StartsWith("heads.")).Select(k => k["heads.".Length..k.LastIndexOf('.')]).Distinct();
            if (unexpected.Any(Separate) && missing.Any(Shared))
            {
                return "the checkpoint has separate within/across attention layers, as DeepCORO_CLIP always builds them whatever " +
                       "separate_video_attention says, and the config's model shares one: build it as the reference did with as_reference_built: true";
            }

            if (unexpected.Any(Shared) && missing.Any(Separate))
                return "the checkpoint has one shared attention layer (cls_attention.*) and the config's model separate ones: set separate_video_attention: false";
            var extra = Heads(unexpected).ToList();
            var absent = Heads(missing).ToList();
            if (extra.Count > 0 || absent.Count > 0)
            {
                return $"head_structure must name the checkpoint's heads (the checkpoint has [{string.Join(", ", extra)}] that the config lacks, " +
                       $"the config [{string.Join(", ", absent)}] that the checkpoint lacks)";
            }

            return null;
        }

        /// <summary>
        /// The cls levels of a plan built otherwise than the reference builds them (heads, norm): its checkpoints load
        /// there, but compute something else.
        /// </summary>
        public static IReadOnlyList<string> BuildDifferences(ModelPlan plan) =>
            plan.ClsPools
                .Where(c => c.Heads != BuiltAttentionHeads || c.Placement != BuiltNorm)
                .Select(c => $"clsToken over {c.Over} with {c.Heads} heads, {(c.Placement == NormPlacement.Pre ? "pre" : "post")}-norm")
                .ToList();
    }
}
