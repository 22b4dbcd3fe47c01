using DeepCoro.Runtime.Video;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>What `embed` did: the job's result, the sampling it used, and the report files it wrote.</summary>
    public sealed record EmbedSummary(EncodingResult Result, FrameSampling Sampling, DatasetStatistics? Statistics, string Manifest, string Failures);
}
