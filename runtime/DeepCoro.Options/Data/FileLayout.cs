namespace DeepCoro.Runtime.Data
{
    /// <summary>Whether each manifest row points at one video's embedding,
    /// or at one file holding a whole study.</summary>
    public enum FileLayout { Video, Study }
}
