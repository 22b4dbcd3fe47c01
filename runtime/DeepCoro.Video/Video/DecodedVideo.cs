using static TorchSharp.torch;

namespace DeepCoro.Runtime.Video
{
    /// <summary>
    /// The frames kept from a video, RGB bytes [Frames, Height, Width, 3] in decoding order; <see cref="Read"/> counts
    /// every frame the file gave, kept or not.
    /// </summary>
    public sealed record DecodedVideo(byte[] Rgb, int Frames, int Height, int Width, int Read)
    {
        /// <summary>The frames as a uint8 tensor [Frames, Height, Width, 3].</summary>
        public Tensor ToTensor() => tensor(Rgb, new long[] { Frames, Height, Width, 3 }, ScalarType.Byte);
    }
}
