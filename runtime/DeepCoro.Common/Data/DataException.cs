using DeepCoro.Spec;

namespace DeepCoro.Runtime.Data
{
    /// <summary>Input data that cannot be used: the message names the file, the manifest row or the column.</summary>
    public sealed class DataException : DeepCoroUserException
    {
        public DataException(string message) : base(message) { }
        public DataException(string message, Remedy fix) : base(message, fix) { }
    }
}
