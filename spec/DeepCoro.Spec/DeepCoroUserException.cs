using System;

namespace DeepCoro.Spec
{
    /// <summary>
    /// An error the user can fix: a file, a config value, a folder or an input at fault, never a bug. The message
    /// says what is wrong, naming the file, key, column or value; <see cref="Fix"/> says what to do, as data, so that
    /// each front end words it with its own names (the command line with its flags). Every user error of this
    /// repository derives from it, so that "the user's or a bug" is one type test.
    /// </summary>
    public class DeepCoroUserException : Exception
    {
        public DeepCoroUserException(string message, Remedy fix = Remedy.None, Exception? inner = null) : base(message, inner) => Fix = fix;

        /// <summary>What the user can do, beyond what the message says; <see cref="Remedy.None"/> when the
        /// message's own words are enough.</summary>
        public Remedy Fix { get; }
    }
}
