using DeepCoro.Spec;

namespace DeepCoro.Generator
{
    /// <summary>
    /// What emitting one valid spec needs, and nothing more: no positions and no diagnostics, so a spec file edited
    /// without changing its model (a moved line, a reformat) compares equal and its source is not emitted again.
    /// </summary>
    public sealed record SpecModel(string Path, ModelSpec Spec)
    {
        public string FileName => System.IO.Path.GetFileName(Path);
    }
}
