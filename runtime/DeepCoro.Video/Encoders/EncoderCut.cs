namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// A place to cut an encoder in two: before block <see cref="Blocks"/> (the stem and that many blocks lie below
    /// it), where <see cref="ParametersBefore"/> of the backbone's parameter tensors have been used and the hidden
    /// tokens form a <see cref="T"/> x <see cref="H"/> x <see cref="W"/> grid.
    /// </summary>
    public sealed record EncoderCut(int Blocks, int ParametersBefore, int T, int H, int W);
}
