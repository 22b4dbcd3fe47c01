namespace DeepCoro.Runtime.Blocks
{
    /// <summary>A block that computes one way or another (fused or reference kernel)
    /// and can be switched after it is built.</summary>
    public interface IKernelChoice
    {
        ClsKernel Kernel { set; }
    }
}
