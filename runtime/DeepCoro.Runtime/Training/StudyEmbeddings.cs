using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using DeepCoro.Runtime.IO;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// The pooled vector every head reads, per study (what DeepCORO_CLIP saves as study_embeddings.pt in inference):
    /// collected batch by batch, written as safetensors with tensor <c>embeddings</c> [N, W] and the study ids in the
    /// metadata (<c>study_ids</c>, a JSON list in row order).
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
            long width = flat.shape[1];
            var values = flat.data<float>().ToArray();
            int i = 0;
            foreach (var id in studyIds)
            {
                ids.Add(id);
                rows.Add(values.AsSpan(i * (int)width, (int)width).ToArray());
                i++;
            }
        }

        public void Save(string path)
        {
            int width = rows.Count > 0 ? rows[0].Length : 0;
            using var scope = NewDisposeScope();
            var all = tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Count, width });
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["embeddings"] = all },
                new Dictionary<string, string> { ["study_ids"] = JsonSerializer.Serialize(ids), ["embedding_dim"] = width.ToString() });
        }
    }
}
