namespace DeepCoro.Spec
{
    /// <summary>
    /// Options of a pool level. Parameter keys are state_dict prefixes: two levels naming the same key share
    /// that parameter (the reference shares its cls token and gated-attention weights across levels).
    /// </summary>
    public sealed record PoolOptions(
        int AttentionHeads = 8,
        NormPlacement Norm = NormPlacement.Post,
        double Dropout = 0.0,
        int Hidden = 128,
        string TokenKey = "",
        string AttentionKey = "",
        string NormKey = "",
        string GateKey = "")
    {
        /// <summary>A copy with the given options changed: C#'s
        /// <c>with</c> for callers without it, such as F#.</summary>
        public PoolOptions With(
            int? attentionHeads = null, NormPlacement? norm = null, double? dropout = null, int? hidden = null,
            string? tokenKey = null, string? attentionKey = null, string? normKey = null, string? gateKey = null) =>
            new PoolOptions(
                attentionHeads ?? AttentionHeads, norm ?? Norm, dropout ?? Dropout, hidden ?? Hidden,
                tokenKey ?? TokenKey, attentionKey ?? AttentionKey, normKey ?? NormKey, gateKey ?? GateKey);
    }
}
