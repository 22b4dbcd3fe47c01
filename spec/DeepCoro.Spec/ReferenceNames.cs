namespace DeepCoro.Spec
{
    /// <summary>
    /// The one rule that names parameters like DeepCORO_CLIP's state_dict: a cls level over tokens uses the
    /// "within" layer, over videos the "across" layer, any other axis its own; cls token and gated-attention
    /// weights are shared by every level.
    /// </summary>
    public static class ReferenceNames
    {
        public const string ClsToken = "cls_token";
        public const string SharedAttention = "cls_attention";
        public const string SharedNorm = "cls_norm";
        public const string Gate = "attention";
        public const string ViewEmbedding = "view_embedding";
        public const string Heads = "heads";

        private const string Within = "within", Across = "across";

        public static string Suffix(string axis) =>
            axis == "tokens" ? Within : axis == "videos" ? Across : axis;

        public static string Attention(string axis) => SharedAttention + "_" + Suffix(axis);

        public static string Norm(string axis) => SharedNorm + "_" + Suffix(axis);

        /// <summary>Fills the keys a level leaves empty with the reference's names for its kind and axis.</summary>
        public static PoolOptions WithDefaultKeys(PoolKind kind, string axis, PoolOptions options) => kind switch
        {
            PoolKind.ClsToken => options with
            {
                TokenKey = Or(options.TokenKey, ClsToken),
                AttentionKey = Or(options.AttentionKey, Attention(axis)),
                NormKey = Or(options.NormKey, Norm(axis)),
            },
            PoolKind.GatedAttention => options with { GateKey = Or(options.GateKey, Gate) },
            _ => options,
        };

        /// <summary>
        /// The role and scope the reference's name of a module implies (cls_attention_within: attention, within);
        /// what the plan gives modules that no level uses, so that they keep the reference's state_dict order.
        /// </summary>
        public static (ParameterRole Role, LevelScope Scope) RoleOf(string moduleKey)
        {
            LevelScope ScopeOf(string prefix) =>
                moduleKey == prefix + "_" + Within ? LevelScope.Within : moduleKey == prefix + "_" + Across || moduleKey == prefix ? LevelScope.Across : LevelScope.None;
            if (moduleKey == ClsToken) return (ParameterRole.ClsToken, LevelScope.None);
            if (moduleKey.StartsWith(SharedAttention)) return (ParameterRole.Attention, ScopeOf(SharedAttention));
            if (moduleKey.StartsWith(SharedNorm)) return (ParameterRole.Norm, ScopeOf(SharedNorm));
            if (moduleKey.StartsWith(Gate + "_")) return (ParameterRole.Gate, LevelScope.Across);
            if (moduleKey == ViewEmbedding) return (ParameterRole.ViewEmbedding, LevelScope.None);
            if (moduleKey == Heads) return (ParameterRole.Head, LevelScope.None);
            return (ParameterRole.Other, LevelScope.None);
        }

        private static string Or(string value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
    }
}
