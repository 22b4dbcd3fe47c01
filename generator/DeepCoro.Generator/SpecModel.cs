using DeepCoro.Spec;

namespace DeepCoro.Generator
{
    /// <summary>
    /// What emitting one valid spec needs, and nothing more: its plan, no positions and no located diagnostics, so a
    /// spec file edited without changing its model (a moved line, a reformat) compares equal and its source is not
    /// emitted again.
    /// </summary>
    public sealed record SpecModel(string Path, ModelPlan Plan)
    {
        public string FileName => System.IO.Path.GetFileName(Path);
    }
}
