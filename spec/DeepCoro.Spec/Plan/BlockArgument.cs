namespace DeepCoro.Spec
{
    /// <summary>One constructor argument of a pooling block, as the
    /// plan states it for the interpreter and the generator.</summary>
    public abstract record BlockArgument
    {
        private BlockArgument() { }

        /// <summary>The module registered under this key, passed as is.</summary>
        public sealed record Module(string Key) : BlockArgument;

        /// <summary>The parameter registered under this key, passed as a getter:
        /// Module.to(device or dtype) replaces parameters.</summary>
        public sealed record Parameter(string Key) : BlockArgument;

        public sealed record Int(int Value) : BlockArgument;

        public sealed record Real(double Value) : BlockArgument;

        public sealed record Placement(NormPlacement Value) : BlockArgument;

        /// <summary>The model's cls kernel (fused or reference); a block taking it can be switched later.</summary>
        public sealed record Kernel : BlockArgument;
    }
}
