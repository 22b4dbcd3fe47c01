namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>What an agent tells about its work; called on the agent's thread, with the sweep lock held.</summary>
    public interface ISweepObserver
    {
        /// <summary>An event this agent appended, once <paramref name="state"/> has taken it in.</summary>
        void Appended(TrialEvent e, SweepState state);

        /// <summary>Something worth a line that is not an event (a
        /// torn journal tail cut off, an abandoned attempt).</summary>
        void Note(string message);
    }
}
