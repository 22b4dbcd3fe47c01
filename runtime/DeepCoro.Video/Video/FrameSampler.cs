using System;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Video
{
    /// <summary>
    /// The reference's load_video after decoding (utils/video.py), step for step: frames as float32, fewer than
    /// needed padded with copies of the last, more taken at torch.linspace(0, t - 1, frames).long(), resized with
    /// antialiased bilinear interpolation (torchvision's Resize on a float tensor), then (x - mean) / std.
    /// </summary>
    public static class FrameSampler
    {
        /// <summary>The encoder's input for one video: float32 [3, frames,
        /// resize, resize] (channels first, then time).</summary>
        /// <param name="augment">the draws of RandAugment, applied to the resized frames as uint8 (the reference's
        /// order); null for none.</param>
        public static Tensor Sample(DecodedVideo video, int frames, int resize, double mean, double std, Random? augment = null)
        {
            if (video.Frames == 0) throw new VideoException("no frame could be read");
            using var scope = NewDisposeScope();
            var x = video.ToTensor().to(ScalarType.Float32).permute(0, 3, 1, 2);
            var t = video.Frames;
            if (t < frames)
                x = cat(new[] { x, x.narrow(0, t - 1, 1).expand(frames - t, -1, -1, -1) }, 0);
            else if (t > frames)
                x = x.index_select(0, linspace(0, t - 1, frames).to(ScalarType.Int64));
            if (video.Height != resize || video.Width != resize)
            {
                x = nn.functional.interpolate(x, new long[] { resize, resize }, mode: InterpolationMode.Bilinear,
                    align_corners: false, antialias: true);
            }

            if (augment is not null)
            {
                using var low = 0.0.ToScalar();
                using var high = 255.0.ToScalar();
                x = RandAugment.Apply(x.clamp(low, high).to(ScalarType.Byte), augment).to(ScalarType.Float32);
            }
            // kept alive through the native calls (TorchSharp 0.107 may finalize an implicit Scalar mid-call)
            using var m = mean.ToScalar();
            using var s = std.ToScalar();
            x = x.sub(m).div(s);
            return x.permute(1, 0, 2, 3).contiguous().MoveToOuterDisposeScope();
        }
    }
}
