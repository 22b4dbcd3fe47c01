using DeepCoro.Runtime.Video;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>What an encoding job reports as it goes (the command line draws a progress bar from it).</summary>
    public interface IEncodingObserver
    {
        /// <param name="total">videos of this run (of this shard).</param>
        /// <param name="done">those already finished by an earlier run, checked and kept.</param>
        void Started(int total, int done);

        /// <summary>One video finished; <paramref name="failure"/>
        /// says why it could not be used, or is null.</summary>
        void Finished(VideoItem video, string? failure);

        void Note(string message);
    }
}
