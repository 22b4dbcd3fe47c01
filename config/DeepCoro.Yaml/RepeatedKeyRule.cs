namespace DeepCoro.Yaml
{
    /// <summary>What a key given twice in one map means: an error, or (PyYAML's rule)
    /// the last one counts, with a warning.</summary>
    public enum RepeatedKeyRule { Refuse, LastWins }
}
