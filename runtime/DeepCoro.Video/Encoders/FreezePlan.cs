namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// What a video_freeze_ratio trains: <see cref="TrainableTensors"/> of the backbone's
    /// <see cref="BackboneTensors"/> parameter tensors (the top of the list) and everything after the backbone (the
    /// projection), or nothing at all when <see cref="WholeEncoderFrozen"/>; <see cref="Cut"/> is the deepest cut
    /// whose every parameter below is frozen, so that the encoder's output there can be computed once per video.
    /// </summary>
    public sealed record FreezePlan(double Ratio, int BackboneTensors, int TrainableTensors, bool WholeEncoderFrozen, EncoderCut? Cut)
    {
        public int FrozenTensors => BackboneTensors - TrainableTensors;
    }
}
