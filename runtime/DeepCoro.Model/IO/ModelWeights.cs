using System;
using System.IO;
using DeepCoro.Runtime.IO.Torch;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO
{
    /// <summary>
    /// Loads a model's weights, with strict keys and shapes, from this project's .safetensors or a PyTorch .pt/.pth
    /// (a DeepCORO_CLIP checkpoint or a state_dict, read by the restricted unpickler).
    /// </summary>
    public static class ModelWeights
    {
        /// <param name="plan">the model's plan, to warn when a DeepCORO_CLIP checkpoint was trained in a model built
        /// otherwise; null for none.</param>
        public static LoadedWeights LoadInto(nn.Module model, ModelPlan? plan, string path)
        {
            using var scope = NewDisposeScope();
            if (InputFile.Problem(path, "file") is { } problem) throw new StateDictException(problem);
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".safetensors":
                    var tensors = Safetensors.Load(path);
                    StateDict.LoadStrict(model, tensors, path);
                    return new LoadedWeights(path, tensors.Count, Array.Empty<string>(), null, Array.Empty<string>());
                case ".pt" or ".pth":
                    var checkpoint = ReferenceCheckpoint.Read(path);
                    StateDict.LoadStrict(model, checkpoint.Tensors, path, ReferenceCheckpoint.ExplainMismatch);
                    var differences = checkpoint.FromReferenceRunner && plan is not null ? ReferenceCheckpoint.BuildDifferences(plan) : Array.Empty<string>();
                    var warnings = differences.Count == 0 ? Array.Empty<string>() : new[]
                    {
                        $"{path}: DeepCORO_CLIP builds every cls_token layer with {ReferenceCheckpoint.BuiltAttentionHeads} heads and post-norm whatever " +
                        $"its config says, and trained this checkpoint so; the config's model has {string.Join("; ", differences)}: the weights load but " +
                        "its outputs differ from the reference's (as_reference_built: true builds the model as the reference did)",
                    };
                    return new LoadedWeights(path, checkpoint.Tensors.Count, checkpoint.EncoderKeys, checkpoint.Epoch, warnings);
                default:
                    throw new StateDictException($"{path}: weights must be a .safetensors file or a PyTorch .pt/.pth file");
            }
        }
    }
}
