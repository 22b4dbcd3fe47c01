namespace DeepCoro.Spec
{
    /// <summary>
    /// Where a pooling module works: inside each instance (an inner axis, the reference's "within"), or across the
    /// instances of a sample (the masked axis, "across"; a module shared by both counts as across, as in the
    /// reference's optimizer groups). Modules outside the pooling have none.
    /// </summary>
    public enum LevelScope { Within, Across, None }
}
