using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Data
{
    /// <summary>A manifest read and checked against a model: studies by split, every file header verified, and a
    /// loader.</summary>
    public sealed class Dataset
    {
        public DataOptions Options { get; }
        public ManifestData Studies { get; }
        public Geometry Geometry { get; }
        public StudyLoader Loader { get; }

        /// <summary>Refreshes data computed anew for each training pass (an encoder's prefix under random
        /// sampling).</summary>
        private readonly System.Action<int, System.Threading.CancellationToken>? beforeTrainingPass;

        private Dataset(DataOptions options, ManifestData studies, Geometry geometry, StudyLoader loader,
            System.Action<int, System.Threading.CancellationToken>? beforeTrainingPass = null)
        {
            Options = options;
            Studies = studies;
            Geometry = geometry;
            Loader = loader;
            this.beforeTrainingPass = beforeTrainingPass;
        }

        /// <param name="required">splits that must hold at least one study with a label (training needs train and
        /// val).</param>
        public static Dataset Open(ModelSpec spec, DataOptions options, params string[] required)
        {
            CheckHeads(spec);
            var studies = Manifest.Read(options, spec.Heads, spec.ViewEmbedding?.Classes ?? 0);
            return Over(spec, options, studies, new Geometry(spec, options), required);
        }

        /// <summary>
        /// A dataset over studies read elsewhere, whose files hold what <paramref name="geometry"/> describes (an
        /// encoder's cached prefix rather than the model's tokens).
        /// </summary>
        public static Dataset Over(ModelSpec spec, DataOptions options, ManifestData studies, Geometry geometry, params string[] required)
        {
            CheckHeads(spec);
            foreach (var split in required)
            {
                if (studies.Split(split).Count == 0)
                {
                    var name = split switch { "train" => options.TrainSplit, "val" => options.ValSplit, "test" => options.TestSplit, _ => options.InferenceSplit };
                    throw new DataException($"{options.Manifest}: split '{name}' is empty: no row has {options.SplitColumn} = {name}");
                }
                else if (split != "inference" && studies.Split(split).All(s => s.Labels.All(double.IsNaN)))
                {
                    // its losses and metrics would all be undefined: nothing to learn from, or no epoch to choose
                    var name = split switch { "train" => options.TrainSplit, "val" => options.ValSplit, _ => options.TestSplit };
                    throw new DataException($"{options.Manifest}: split '{name}' has no label for any head ({string.Join(", ", spec.Heads.Select(h => h.Name))}): every label cell of its {studies.Split(split).Count} studies is empty");
                }
            }

            geometry.Scan(studies.Train.Concat(studies.Val).Concat(studies.Test).Concat(studies.Inference));
            // a batch is one pooled float array, indexed by int
            var batchFloats = (long)options.BatchSize * options.NumVideos * geometry.VideoSize;
            if (batchFloats > System.Array.MaxLength)
                throw new DataException($"data.batch_size {options.BatchSize} x num_videos {options.NumVideos} x {geometry.VideoSize} floats per video = {batchFloats} floats per batch, more than one buffer holds ({System.Array.MaxLength}); lower data.batch_size");
            var loader = new StudyLoader(geometry, options, spec.Heads.Count, spec.ViewEmbedding is { } v ? v.Classes : null);
            return new Dataset(options, studies, geometry, loader);
        }

        /// <summary>
        /// Every head must be trainable from the manifest: it holds one label column per head, so a regression head
        /// has one output (with more, only column 0 would ever meet a label).
        /// </summary>
        public static void CheckHeads(ModelSpec spec)
        {
            foreach (var h in spec.Heads)
            {
                if (h.Task == TaskKind.Regression && h.Outputs != 1)
                    throw new DataException($"head '{h.Name}': a regression head with {h.Outputs} outputs; the manifest has one label column per head, so a regression head must have 1 output (use one head per target)");
            }
        }

        /// <summary>
        /// Reads every embedding file of <paramref name="studies"/> once (read_threads at a time, one file each) and
        /// throws on the first NaN/Inf, so a bad value in a split read late (test, at the end of training) fails
        /// before the first epoch. Costs one streaming pass over the files.
        /// </summary>
        public void CheckFinite(IEnumerable<Study> studies, System.Threading.CancellationToken cancel = default)
        {
            var files = studies.SelectMany(s => Options.Layout == FileLayout.Study ? s.Videos.Take(1) : s.Videos).Select(v => v.Path);
            try
            {
                System.Threading.Tasks.Parallel.ForEach(files,
                    new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = System.Math.Max(1, Options.ReadThreads), CancellationToken = cancel },
                    path => EmbeddingArray.CheckFinite(path, Options.TokenDtype));
            }
            catch (System.AggregateException e)
            {
                // one file's error, as itself (DataException names the file), not wrapped by Parallel
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
        }

        /// <summary>The same data, with <paramref name="refresh"/>(epoch) run before each training pass.</summary>
        public Dataset WithTrainingRefresh(System.Action<int, System.Threading.CancellationToken> refresh) =>
            new(Options, Studies, Geometry, Loader, refresh);

        /// <summary>The batches of one pass over a split.</summary>
        public IEnumerable<StudyBatch> Pass(IReadOnlyList<Study> studies, bool training, int seed, int epoch, System.Threading.CancellationToken cancel = default)
        {
            if (training) beforeTrainingPass?.Invoke(epoch, cancel);
            return Loader.Stream(BatchPlan.Make(studies, Options, training, seed, epoch), cancel);
        }
    }
}
