using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// Writes a dataset in the real on-disk layout (one .npy [L, D] per video, a manifest with one row per video,
    /// separator 'α') with a planted signal: each study has latents z1, z2; 1..max videos, of which at least one is
    /// "relevant" (a marker direction on all its tokens) and the rest distractors (noise only); in a relevant video
    /// 1-3 random tokens carry 3 (z1 u + z2 v + c), c a direction that lets attention find them. Targets: cathEF =
    /// 0.55 + 0.1 z1 (regression), abnormal = [z2 > 0].
    /// </summary>
    public static class SyntheticData
    {
        public const string Manifest = "manifest.csv";
        public const string Separator = "α";

        public static void Write(string directory, SyntheticOptions o)
        {
            var rng = new Random(o.Seed);
            int d = o.Dim, l = o.Tokens;
            float[] Direction()
            {
                var v = Enumerable.Range(0, d).Select(_ => (float)Seeding.Gaussian(rng)).ToArray();
                var norm = (float)Math.Sqrt(v.Sum(x => x * x));
                return v.Select(x => x / norm).ToArray();
            }
            float[] u = Direction(), w = Direction(), marker = Direction(), carrier = Direction();
            IO.OutputException.Guard(directory, () => Directory.CreateDirectory(Path.Combine(directory, "embeddings")));
            var manifest = new StringBuilder(string.Join(Separator, "StudyInstanceUID", "Split", "FileName", "cathEF", "abnormal")).Append('\n');
            var data = new float[l * d];
            for (int s = 0; s < o.Studies; s++)
            {
                var id = $"study{s:D5}";
                double z1 = Seeding.Gaussian(rng), z2 = Seeding.Gaussian(rng);
                var split = rng.NextDouble() switch { < 0.7 => "train", < 0.85 => "val", _ => "test" };
                string ef = rng.NextDouble() < o.MissingFraction ? "" : (0.55 + 0.1 * z1).ToString("0.#####", CultureInfo.InvariantCulture);
                string abnormal = rng.NextDouble() < o.MissingFraction ? "" : (z2 > 0 ? "1" : "0");
                int videos = rng.Next(1, o.MaxVideos + 1);
                var relevant = new bool[videos];
                relevant[rng.Next(videos)] = true;
                for (int v = 0; v < videos; v++) if (rng.NextDouble() < 0.3) relevant[v] = true;
                var folder = Path.Combine(directory, "embeddings", id);
                IO.OutputException.Guard(folder, () => Directory.CreateDirectory(folder));
                for (int v = 0; v < videos; v++)
                {
                    for (int i = 0; i < data.Length; i++) data[i] = (float)Seeding.Gaussian(rng);
                    if (relevant[v])
                    {
                        for (int t = 0; t < l; t++) for (int k = 0; k < d; k++) data[t * d + k] += 2 * marker[k];
                        int carriers = rng.Next(1, Math.Min(3, l) + 1);
                        foreach (var t in Enumerable.Range(0, l).OrderBy(_ => rng.Next()).Take(carriers))
                            for (int k = 0; k < d; k++) data[t * d + k] += (float)(3 * (z1 * u[k] + z2 * w[k]) + 3 * carrier[k]);
                    }
                    var file = Path.Combine("embeddings", id, $"video{v}.npy");
                    var path = Path.Combine(directory, file);
                    IO.OutputException.Guard(path, () =>
                    {
                        using var stream = File.Create(path);
                        Npy.WriteFloat32(stream, data, new long[] { l, d });
                    });
                    manifest.Append(string.Join(Separator, id, split, file, ef, abnormal)).Append('\n');
                }
            }
            IO.AtomicFile.WriteText(Path.Combine(directory, Manifest), manifest.ToString());
        }
    }
}
