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

        public static string Suffix(string axis) =>
            axis == "tokens" ? "within" : axis == "videos" ? "across" : axis;

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

        private static string Or(string value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
    }
}
