namespace DeepCoro.Runtime.Encoders
{
    /// <summary>What to do with files an earlier run left in the output folder.</summary>
    public enum ExistingFiles
    {
        /// <summary>Any output file already there is an error: the folder belongs to another run.</summary>
        Refuse,
        /// <summary>Files that check out (same video, encoder, output and sampling) are kept; damaged ones are
        /// redone; another run's are an error.</summary>
        Resume,
        /// <summary>Every file is written anew (a cache refreshed for a new pass of random sampling).</summary>
        Rewrite,
    }
}
