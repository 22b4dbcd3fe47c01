namespace DeepCoro.Spec
{
    /// <summary>
    /// A module the model registers under <paramref name="Key"/>
    /// (a bare parameter for <see cref="ModuleKind.Token"/>):
    /// how it is built (<paramref name="Input"/> and <paramref name="Output"/> widths: a Linear's in and out, an
    /// attention's or norm's width in both, an embedding's rows and width), its role, its parameters in state_dict
    /// order, whether the optimizer trains it, and the plan paths that use it (two paths share it).
    /// </summary>
    public sealed record PlannedModule(
        string Key,
        ModuleKind Kind,
        ParameterRole Role,
        LevelScope Scope,
        int Input,
        int Output,
        EquatableList<PlannedParameter> Parameters,
        EquatableList<string> UsedBy)
    {
        public bool Trained => Kind != ModuleKind.Unused;

        /// <summary>A parameter registered on the model itself,
        /// which a state_dict lists before every module.</summary>
        public bool IsRootParameter => Key.IndexOf('.') < 0 && (Kind == ModuleKind.Token || (Kind == ModuleKind.Unused && Parameters.Count == 1 && Parameters[0].Key == Key));

        /// <summary>The role and scope as the spec table shows them, e.g. "attention (within)".</summary>
        public string RoleName =>
            (Kind == ModuleKind.Unused ? "unused " : "")
            + (Role == ParameterRole.ClsToken ? "cls token" : Role == ParameterRole.ViewEmbedding ? "view embedding" : Role.ToString().ToLowerInvariant())
            + (Scope == LevelScope.None ? "" : $" ({Scope.ToString().ToLowerInvariant()})");
    }
}
