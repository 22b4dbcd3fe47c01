namespace DeepCoro.Spec
{
    /// <summary>One step of a resolved pooling hierarchy;
    /// <paramref name="Width"/> is the feature width after it.</summary>
    public abstract record PlanStep(string Path, int Width)
    {
        /// <summary>Reduces the innermost remaining axis <paramref name="Over"/> with a block; <paramref
        /// name="Masked"/> when it is the masked axis.</summary>
        public sealed record Pool(string Path, PoolKind Kind, string Over, bool Masked, BlockCall Block, int Width) : PlanStep(Path, Width);

        /// <summary>Runs every branch on the same input and concatenates the results along the features.</summary>
        public sealed record Concat(string Path, EquatableList<EquatableList<PlanStep>> Branches, int Width) : PlanStep(Path, Width);
    }
}
