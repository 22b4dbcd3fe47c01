namespace DeepCoro.Spec
{
    /// <summary>A state_dict entry kept for compatibility only: its full key and shape.</summary>
    public sealed record UnusedParameter(string Key, EquatableList<int> Shape);
}
