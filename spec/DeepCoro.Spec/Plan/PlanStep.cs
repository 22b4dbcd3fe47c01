namespace DeepCoro.Spec
{
    /// <summary>One step of a resolved pooling hierarchy;
    /// <paramref name="Width"/> is the feature width after it.</summary>
    public abstract record PlanStep(string Path, int Width)
    {
        /// <summary>
        /// Reduces the innermost remaining axis <paramref name="Over"/> with one block; <paramref name="Masked"/>
        /// when it is the masked axis. <paramref name="Index"/> is its place in <see cref="ModelPlan.Pools"/>. Each
        /// case carries by name what its block is built from.
        /// </summary>
        public abstract record Pool(string Path, PoolKind Kind, int Index, string Over, bool Masked, int Width) : PlanStep(Path, Width);

        /// <summary>A learned cls token attends over the axis: the token parameter, attention and norm modules
        /// (state_dict keys), the attention heads, the norm's placement and the attention dropout.</summary>
        public sealed record Cls(string Path, int Index, string Over, bool Masked, string Token, string Attention, string Norm, int Heads,
            NormPlacement Placement, double Dropout, int Width) : Pool(Path, PoolKind.ClsToken, Index, Over, Masked, Width);

        /// <summary>Gated attention (Ilse et al.): the three Linears' keys (the reference's attention_V, _U, _w)
        /// and the dropout on the attention weights.</summary>
        public sealed record GatedAttention(string Path, int Index, string Over, bool Masked, string V, string U, string W, double Dropout, int Width)
            : Pool(Path, PoolKind.GatedAttention, Index, Over, Masked, Width);

        /// <summary>The mean of the valid items.</summary>
        public sealed record Mean(string Path, int Index, string Over, bool Masked, int Width) : Pool(Path, PoolKind.Mean, Index, Over, Masked, Width);

        /// <summary>The feature-wise maximum of the valid items.</summary>
        public sealed record Max(string Path, int Index, string Over, bool Masked, int Width) : Pool(Path, PoolKind.Max, Index, Over, Masked, Width);

        /// <summary>Runs every branch on the same input and concatenates the results along the features.</summary>
        public sealed record Concat(string Path, EquatableList<EquatableList<PlanStep>> Branches, int Width) : PlanStep(Path, Width);
    }
}
