namespace DeepCoro.Runtime.Data
{
    /// <summary>One embedding file, the manifest line it came from and the name that line gives it (a video's path in
    /// DeepCORO_CLIP's CSVs, which its prediction files list).</summary>
    public sealed record VideoRef(string Path, int Line, long ViewId, string Name);
}
