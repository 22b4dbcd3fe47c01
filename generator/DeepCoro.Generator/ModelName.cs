namespace DeepCoro.Generator
{
    /// <summary>A model's name, its file and where the name stands: all that the duplicate check reads.</summary>
    public sealed record ModelName(string Name, string Path, LocationInfo Location)
    {
        public string FileName => System.IO.Path.GetFileName(Path);
    }
}
