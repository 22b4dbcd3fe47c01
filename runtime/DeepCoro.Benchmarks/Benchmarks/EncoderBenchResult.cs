namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// One freeze ratio's figures: what trains, where the cut lies, the cache per video (float16 bytes), the one-off
    /// prefix per video, and the medians of a training step the reference's way (the whole encoder on the frames)
    /// and with the prefix cached (the trainable rest only), in one run.
    /// </summary>
    public sealed record EncoderBenchResult(
        string Encoder, double Ratio, int TrainableTensors, int BackboneTensors, int CutBlocks, long[] CacheShape,
        double CacheMbPerVideo, double PrefixMs, double WholeStepMs, double CachedStepMs)
    {
        public double Speedup => WholeStepMs / CachedStepMs;
    }
}
