namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>The distributions of W&amp;B sweep files that this engine samples.</summary>
    public enum Distribution
    {
        Constant, Categorical, IntUniform, Uniform, QUniform, LogUniformValues, QLogUniformValues, Normal, LogNormal,
    }
}
