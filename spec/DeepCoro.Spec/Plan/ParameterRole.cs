namespace DeepCoro.Spec
{
    /// <summary>What a module of a probe is for; optimizer groups, telemetry and the spec table go by it.</summary>
    public enum ParameterRole { ClsToken, ViewEmbedding, Attention, Norm, Gate, Head, Other }
}
