using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.IO.Torch;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The pooled vector every head reads, per study (what DeepCORO_CLIP saves as study_embeddings.pt in inference):
    /// collected batch by batch, written as DeepCORO_CLIP's torch.save dict to a .pt path, as safetensors otherwise.
    /// </summary>
    public sealed class StudyEmbeddings
    {
        private readonly List<string> ids = new();
        private readonly List<float[]> rows = new();

        public int Count => ids.Count;

        /// <summary>Adds the pooled vectors [B, W] of a batch's studies.</summary>
        public void Add(IEnumerable<string> studyIds, Tensor pooled)
        {
            var flat = pooled.detach().to(ScalarType.Float32).cpu();
            var width = flat.shape[1];
            var values = flat.data<float>().ToArray();
            var i = 0;
            foreach (var id in studyIds)
            {
                ids.Add(id);
                rows.Add(values.AsSpan(i * (int)width, (int)width).ToArray());
                i++;
            }
        }

        /// <summary>
        /// A .pt path gets <c>{'study_ids': [str, ...], 'embeddings': float32 [N, W], 'embedding_dim': W}</c>, the
        /// reference's dict; any other path safetensors: tensor <c>embeddings</c> [N, W], the study ids in the
        /// metadata (<c>study_ids</c>, a JSON list in row order) beside <c>embedding_dim</c>.
        /// </summary>
        public void Save(string path)
        {
            var width = rows.Count > 0 ? rows[0].Length : 0;
            using var scope = NewDisposeScope();
            var all = tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Count, width });
            if (Path.GetExtension(path).Equals(".pt", StringComparison.OrdinalIgnoreCase))
            {
                var dict = new PickledDict();
                dict.Set("study_ids", ids);
                dict.Set("embeddings", all);
                dict.Set("embedding_dim", width);
                TorchFileWriter.Save(path, dict);
                return;
            }
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["embeddings"] = all },
                new Dictionary<string, string> { ["study_ids"] = JsonSerializer.Serialize(ids), ["embedding_dim"] = width.ToString() });
        }
    }
}
