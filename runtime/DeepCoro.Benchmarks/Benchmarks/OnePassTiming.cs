namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>The one-pass cls attention of the input level alone, medians in ms: its forward, its backward (the
    /// forward-and-backward median less the forward's), and the floor of either pass, max(arithmetic at the
    /// measured peak, one read of the tokens at the measured bandwidth): each pass does 2 h multiply-adds per token
    /// element and reads the tokens once.</summary>
    public sealed record OnePassTiming(double ForwardMs, double BackwardMs, double FloorMs);
}
