namespace DeepCoro.Spec
{
    /// <summary>
    /// How to build one pooling block: the runtime block type (in DeepCoro.Runtime.Blocks) and its constructor
    /// arguments in order. The interpreter calls that constructor; the generator prints the same call.
    /// </summary>
    public sealed record BlockCall(string Block, EquatableList<BlockArgument> Arguments)
    {
        public bool TakesKernel => System.Linq.Enumerable.Any(Arguments, a => a is BlockArgument.Kernel);
    }
}
