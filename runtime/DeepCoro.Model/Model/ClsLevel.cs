using DeepCoro.Runtime.Blocks;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// One cls-token level of a model: its name (the axis it pools, e.g. "tokens" or "videos"; a second level over
    /// the same axis gets its position appended), that axis, the state_dict key of its cls token (levels may share
    /// one) and the pool that runs it.
    /// </summary>
    public sealed record ClsLevel(string Name, string Over, string TokenKey, ClsTokenPool Pool);
}
