using System;
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
    /// 0.55 + 0.1 z1 (regression), abnormal = [z2 > 0]. The order and average cohorts (<see cref="SyntheticCohort"/>)
    /// are written by <see cref="WriteCohort"/>.
    /// </summary>
    public static class SyntheticData
    {
        public const string Manifest = "manifest.csv";
        public const string Separator = "α";

        public static void Write(string directory, SyntheticOptions o)
        {
            if (o.Cohort != SyntheticCohort.Planted)
            {
                WriteCohort(directory, o);
                return;
            }
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
            for (var s = 0; s < o.Studies; s++)
            {
                var id = $"study{s:D5}";
                double z1 = Seeding.Gaussian(rng), z2 = Seeding.Gaussian(rng);
                var split = rng.NextDouble() switch { < 0.7 => "train", < 0.85 => "val", _ => "test" };
                var ef = rng.NextDouble() < o.MissingFraction ? "" : (0.55 + 0.1 * z1).ToString("0.#####", CultureInfo.InvariantCulture);
                var abnormal = rng.NextDouble() < o.MissingFraction ? "" : (z2 > 0 ? "1" : "0");
                var videos = rng.Next(1, o.MaxVideos + 1);
                var relevant = new bool[videos];
                relevant[rng.Next(videos)] = true;
                for (var v = 0; v < videos; v++) if (rng.NextDouble() < 0.3) relevant[v] = true;
                var folder = Path.Combine(directory, "embeddings", id);
                IO.OutputException.Guard(folder, () => Directory.CreateDirectory(folder));
                for (var v = 0; v < videos; v++)
                {
                    for (var i = 0; i < data.Length; i++) data[i] = (float)Seeding.Gaussian(rng);
                    if (relevant[v])
                    {
                        for (var t = 0; t < l; t++) for (var k = 0; k < d; k++) data[t * d + k] += 2 * marker[k];
                        var carriers = rng.Next(1, Math.Min(3, l) + 1);
                        foreach (var t in Enumerable.Range(0, l).OrderBy(_ => rng.Next()).Take(carriers))
                            for (var k = 0; k < d; k++) data[t * d + k] += (float)(3 * (z1 * u[k] + z2 * w[k]) + 3 * carrier[k]);
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
        /// <summary>
        /// A cohort with one binary head, label, and a PatientID column (patients of 1-3 studies, a patient's studies
        /// in one split). Every token is noise plus a positional embedding (a fixed random direction per token index,
        /// as a video encoder's tokens carry their position), and each study has 2..max videos.
        /// <para>Order: one video is marked by direction m1 and one token of it carries a c (a ~ N(0, 1)); another
        /// video is marked by m2 and one token carries b c; in the first video two other tokens carry u and w, u
        /// first (o = +1) or w first (o = -1). label = [a b + 0.6 o > 0]: an interaction between videos and an order
        /// within a video, neither of which an average of the tokens keeps.</para>
        /// <para>Average: every token also carries 0.15 s g (s ~ N(0, 1), g fixed);
        /// label = [the mean of every token of every video, projected on g,
        /// is above what the positional embeddings alone give], exactly what mean pooling keeps.</para>
        /// </summary>
        public static void WriteCohort(string directory, SyntheticOptions o)
        {
            var rng = new Random(o.Seed);
            int d = o.Dim, l = o.Tokens;
            if (o.Cohort == SyntheticCohort.Order && l < 3) throw new DataException($"tokens {l}: the order cohort needs at least 3 tokens per video");
            float[] Direction()
            {
                var v = Enumerable.Range(0, d).Select(_ => (float)Seeding.Gaussian(rng)).ToArray();
                var norm = (float)Math.Sqrt(v.Sum(x => x * x));
                return v.Select(x => x / norm).ToArray();
            }
            float[] u = Direction(), w = Direction(), m1 = Direction(), m2 = Direction(), c = Direction(), g = Direction();
            var position = Enumerable.Range(0, l).Select(_ => Direction()).ToArray();
            IO.OutputException.Guard(directory, () => Directory.CreateDirectory(Path.Combine(directory, "embeddings")));
            var manifest = new StringBuilder(string.Join(Separator, "StudyInstanceUID", "Split", "FileName", "label", "PatientID")).Append('\n');
            int patient = -1, left = 0;
            var split = "train";
            for (var s = 0; s < o.Studies; s++)
            {
                if (left == 0)
                {
                    patient++;
                    left = rng.Next(1, 4);
                    split = rng.NextDouble() switch { < 0.7 => "train", < 0.85 => "val", _ => "test" };
                }
                left--;
                var id = $"study{s:D5}";
                var videos = rng.Next(2, Math.Max(2, o.MaxVideos) + 1);
                var tokens = new float[videos][];
                for (var v = 0; v < videos; v++)
                {
                    tokens[v] = new float[l * d];
                    for (var t = 0; t < l; t++)
                        for (var k = 0; k < d; k++) tokens[v][t * d + k] = (float)Seeding.Gaussian(rng) + 2 * position[t][k];
                }
                void Add(int video, int token, float[] direction, double scale)
                {
                    for (var k = 0; k < d; k++) tokens[video][token * d + k] += (float)(scale * direction[k]);
                }
                bool positive;
                if (o.Cohort == SyntheticCohort.Order)
                {
                    double a = Seeding.Gaussian(rng), b = Seeding.Gaussian(rng);
                    var order = rng.Next(2) == 0 ? 1 : -1;
                    int first = rng.Next(videos), second = (first + 1 + rng.Next(videos - 1)) % videos;
                    for (var t = 0; t < l; t++) { Add(first, t, m1, 2); Add(second, t, m2, 2); }
                    var picked = Enumerable.Range(0, l).OrderBy(_ => rng.Next()).Take(3).ToArray();
                    Add(first, picked[0], c, 3 * a);
                    Add(second, rng.Next(l), c, 3 * b);
                    int early = Math.Min(picked[1], picked[2]), late = Math.Max(picked[1], picked[2]);
                    Add(first, order > 0 ? early : late, u, 3);
                    Add(first, order > 0 ? late : early, w, 3);
                    positive = a * b + 0.6 * order > 0;
                }
                else
                {
                    double latent = Seeding.Gaussian(rng), projection = 0;
                    for (var v = 0; v < videos; v++)
                    {
                        for (var t = 0; t < l; t++)
                        {
                            Add(v, t, g, 0.15 * latent);
                            for (var k = 0; k < d; k++) projection += tokens[v][t * d + k] * g[k];
                        }
                    }
                    // the positional embeddings add the same to every study's mean: measured from the latent's side
                    var offset = videos * Enumerable.Range(0, l).Sum(t => 2 * position[t].Zip(g, (x, y) => (double)x * y).Sum());
                    positive = projection - offset > 0;
                }
                var label = rng.NextDouble() < o.MissingFraction ? "" : positive ? "1" : "0";
                var folder = Path.Combine(directory, "embeddings", id);
                IO.OutputException.Guard(folder, () => Directory.CreateDirectory(folder));
                for (var v = 0; v < videos; v++)
                {
                    var file = Path.Combine("embeddings", id, $"video{v}.npy");
                    var path = Path.Combine(directory, file);
                    IO.OutputException.Guard(path, () =>
                    {
                        using var stream = File.Create(path);
                        Npy.WriteFloat32(stream, tokens[v], new long[] { l, d });
                    });
                    manifest.Append(string.Join(Separator, id, split, file, label, $"patient{patient:D5}")).Append('\n');
                }
            }
            IO.AtomicFile.WriteText(Path.Combine(directory, Manifest), manifest.ToString());
        }
    }
}
