using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// The per-video array a model consumes: [L, D] for a [videos, tokens] model, [D] for a [videos] one. Checks
    /// file shapes against it (header only) and counts each study's videos.
    /// </summary>
    public sealed class Geometry
    {
        public int Dim { get; }
        public bool HasTokens { get; }
        public int Tokens { get; private set; }
        public FileLayout Layout { get; }

        public Geometry(ModelSpec spec, DataOptions options)
        {
            Dim = spec.EmbeddingDim;
            HasTokens = spec.Axes.Count == 2;
            if (spec.Axes.Count > 2) throw new DataException($"model '{spec.Name}': the loader feeds [videos] or [videos, tokens] inputs, the spec has axes [{string.Join(", ", spec.Axes)}]");
            Tokens = HasTokens ? options.Tokens ?? 0 : 1;
            Layout = options.Layout;
        }

        /// <summary>Files of [L, dim] per video (L from the first file read), whatever the model consumes: an
        /// encoder's hidden tokens.</summary>
        public Geometry(int dim, FileLayout layout)
        {
            Dim = dim;
            HasTokens = true;
            Layout = layout;
        }

        /// <summary>Floats per video in a batch.</summary>
        public long VideoSize => (long)Tokens * Dim;

        public string Expected(bool study) =>
            (study ? "[N, " : "[") + (HasTokens ? (Tokens > 0 ? $"{Tokens}, " : "L, ") : "") + $"{Dim}]" + (HasTokens && !study ? $" (or [{Dim}] when L = 1)" : "");

        /// <summary>Reads every file header once: a missing file or
        /// a wrong D or L fails here, before training.</summary>
        public void Scan(IEnumerable<Study> studies)
        {
            foreach (var study in studies)
            {
                if (Layout == FileLayout.Study)
                {
                    var v = study.Videos[0];
                    var shape = EmbeddingArray.ShapeOf(v.Path);
                    study.VideoCount = (int)Check(v, shape, true);
                }
                else
                {
                    foreach (var v in study.Videos) Check(v, EmbeddingArray.ShapeOf(v.Path), false);
                    study.VideoCount = study.Videos.Count;
                }
            }
        }

        /// <summary>Checks one file's shape; returns its video count (1 for a per-video file).</summary>
        public long Check(VideoRef video, long[] shape, bool study)
        {
            string Fail(string what) => throw new DataException($"{video.Path} (manifest line {video.Line}): shape [{string.Join(", ", shape)}]: {what}");
            var per = study ? shape.Skip(1).ToArray() : shape;
            if ((study && (shape.Length < 2 || shape[0] < 1)) || per.Length is < 1 or > 2) Fail($"expected {Expected(study)}");
            long l = per.Length == 2 ? per[0] : 1, d = per[^1];
            if (d != Dim) Fail($"embedding dim {d}, the model's is {Dim} (embedding_dim; DeepCORO_CLIP's files leave it out for its encoder's 512)");
            if (!HasTokens && l != 1) Fail($"{l} tokens, but the model pools videos only: expected {Expected(study)}");
            if (HasTokens && Tokens == 0) Tokens = (int)l;
            if (l != Tokens) Fail($"{l} tokens, expected L = {Tokens} (data.tokens, or the first file read)");
            return study ? shape[0] : 1;
        }
    }
}
