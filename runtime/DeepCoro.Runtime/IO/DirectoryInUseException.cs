using System;

namespace DeepCoro.Runtime.IO
{
    /// <summary>A directory another process holds (<see cref="DirectoryLock"/>):
    /// the message names it and the holder's pid.</summary>
    public sealed class DirectoryInUseException : Exception
    {
        public DirectoryInUseException(string message) : base(message) { }
    }
}
