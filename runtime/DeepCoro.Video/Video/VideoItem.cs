namespace DeepCoro.Runtime.Video
{
    /// <summary>One video to read: its full path and where it was
    /// named (a CSV file and line, or an argument).</summary>
    public sealed record VideoItem(string Path, string Origin);
}
