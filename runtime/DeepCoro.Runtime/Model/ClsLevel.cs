using DeepCoro.Runtime.Blocks;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Model
{
    /// <summary>
    /// One cls-token level of a model: its name (the axis it pools, e.g. "tokens" or "videos"; a second level over
    /// the same axis gets its position appended), its spec and the pool that runs it.
    /// </summary>
    public sealed record ClsLevel(string Name, PoolLevel Level, ClsTokenPool Pool)
    {
        /// <summary>The state_dict key of the level's cls token (levels may share one).</summary>
        public string TokenKey => Level.Options.TokenKey;
    }
}
