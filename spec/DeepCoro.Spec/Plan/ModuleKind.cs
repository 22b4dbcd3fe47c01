namespace DeepCoro.Spec
{
    /// <summary>
    /// How a module is built: a bare parameter (the cls token), multi-head attention weights, a layer norm, a Linear,
    /// an embedding table, or frozen holders of unused state_dict tensors.
    /// </summary>
    public enum ModuleKind { Token, Attention, Norm, Linear, Embedding, Unused }
}
