namespace DeepCoro.Runtime.Data
{
    /// <summary>A study and the indices of the videos taken from it for one pass.</summary>
    public readonly record struct Pick(Study Study, int[] Videos);
}
