namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>Why two prediction files cannot be compared; `deepcoro compare`
    /// exits with a code per kind (docs/comparison.md).</summary>
    public enum PredictionProblem
    {
        /// <summary>A row, cell or label that cannot be read or that contradicts the other file.</summary>
        Unreadable,
        /// <summary>The files share no study (with a label).</summary>
        NoCommonStudy,
        /// <summary>The head is missing from a file, or is of another task there.</summary>
        HeadMissing,
        /// <summary>A file is neither this product's predictions nor DeepCORO_CLIP's.</summary>
        UnknownFormat,
    }
}
