namespace DeepCoro.Runtime.Report
{
    /// <summary>A table cell that links to another file, relative to the page.</summary>
    public sealed record Link(string Text, string Href);
}
