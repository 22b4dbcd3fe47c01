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

        /// <summary>The tensors of a module of <paramref name="kind"/> under <paramref name="key"/>, named, shaped and
        /// ordered as PyTorch's state_dict lists them.</summary>
        public static EquatableList<PlannedParameter> ParametersOf(string key, ModuleKind kind, int input, int output)
        {
            PlannedParameter P(string name, params int[] shape) => new PlannedParameter(name.Length == 0 ? key : key + "." + name, shape.ToEquatableList());
            switch (kind)
            {
                case ModuleKind.Token: return EquatableList.Of(P("", 1, 1, output));
                case ModuleKind.Attention: return EquatableList.Of(P("in_proj_weight", 3 * output, output), P("in_proj_bias", 3 * output), P("out_proj.weight", output, output), P("out_proj.bias", output));
                case ModuleKind.Norm: return EquatableList.Of(P("weight", output), P("bias", output));
                case ModuleKind.Linear: return EquatableList.Of(P("weight", output, input), P("bias", output));
                default: return EquatableList.Of(P("weight", input, output));
            }
        }
    }
}
