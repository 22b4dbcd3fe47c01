using System;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepCoro.Runtime.Video
{
    /// <summary>
    /// The reference's augmentation of training videos (utils/video.py: torchvision.transforms.v2
    /// <c>RandAugment(magnitude=9, num_ops=2)</c> on the uint8 frames after resizing): two operations drawn with
    /// replacement from the 14 of its space, each applied to every frame alike, at magnitude bin 9 of 31, with a
    /// random sign for the signed ones. Each operation follows torchvision's tensor kernels (nearest-neighbour affine
    /// grids, uint8 truncation after blends, per-frame statistics); tools/make_randaugment_fixtures.py saves
    /// torchvision's outputs that the tests compare with. Only the draws differ: they come from a seeded
    /// <see cref="Random"/>, not torch's generator.
    /// </summary>
    public static class RandAugment
    {
        public const int Magnitude = 9, Bins = 31, Ops = 2;

        /// <summary>Two drawn operations on a video, uint8 [T, C, H, W] (C = 3); returns a new uint8 tensor.</summary>
        public static Tensor Apply(Tensor video, Random random)
        {
            using var scope = NewDisposeScope();
            var x = video;
            var count = Enum.GetValues<RandAugmentOp>().Length;
            for (var i = 0; i < Ops; i++)
            {
                var op = (RandAugmentOp)random.Next(count);
                var magnitude = MagnitudeOf(op, (int)video.shape[^2], (int)video.shape[^1]);
                if (Signed(op) && random.NextDouble() <= 0.5) magnitude = -magnitude;
                x = Apply(x, op, magnitude);
            }
            return x.MoveToOuterDisposeScope();
        }

        /// <summary>Bin <see cref="Magnitude"/> of an operation's magnitudes,
        /// before the sign (0 for those without).</summary>
        public static double MagnitudeOf(RandAugmentOp op, int height, int width)
        {
            double Bin(double top) => top * Magnitude / (Bins - 1);
            return op switch
            {
                RandAugmentOp.ShearX or RandAugmentOp.ShearY => Bin(0.3),
                RandAugmentOp.TranslateX => Bin(150.0 / 331.0 * width),
                RandAugmentOp.TranslateY => Bin(150.0 / 331.0 * height),
                RandAugmentOp.Rotate => Bin(30.0),
                RandAugmentOp.Brightness or RandAugmentOp.Color or RandAugmentOp.Contrast or RandAugmentOp.Sharpness => Bin(0.9),
                RandAugmentOp.Posterize => (int)Math.Round(8 - Magnitude / ((Bins - 1) / 4.0), MidpointRounding.ToEven),
                RandAugmentOp.Solarize => 1.0 - (double)Magnitude / (Bins - 1),
                _ => 0.0,
            };
        }

        public static bool Signed(RandAugmentOp op) => op is >= RandAugmentOp.ShearX and <= RandAugmentOp.Sharpness;

        /// <summary>One operation at a signed magnitude on uint8 [..., C, H, W]; returns uint8.</summary>
        public static Tensor Apply(Tensor video, RandAugmentOp op, double magnitude) => op switch
        {
            RandAugmentOp.Identity => video.alias(),
            RandAugmentOp.ShearX => Affine(video, 0, 0, 0, Degrees(Math.Atan(magnitude)), 0, topLeft: true),
            RandAugmentOp.ShearY => Affine(video, 0, 0, 0, 0, Degrees(Math.Atan(magnitude)), topLeft: true),
            RandAugmentOp.TranslateX => Affine(video, 0, (int)magnitude, 0, 0, 0, topLeft: false),
            RandAugmentOp.TranslateY => Affine(video, 0, 0, (int)magnitude, 0, 0, topLeft: false),
            RandAugmentOp.Rotate => Affine(video, magnitude, 0, 0, 0, 0, topLeft: false),
            RandAugmentOp.Brightness => Blend(video, zeros_like(video, ScalarType.Float32), 1.0 + magnitude),
            RandAugmentOp.Color => Blend(video, Grayscale(video), 1.0 + magnitude),
            RandAugmentOp.Contrast => Blend(video, Grayscale(video).to(ScalarType.Float32).mean(new long[] { -3, -2, -1 }, keepdim: true), 1.0 + magnitude),
            RandAugmentOp.Sharpness => Sharpness(video, 1.0 + magnitude),
            RandAugmentOp.Posterize => Posterize(video, (int)magnitude),
            RandAugmentOp.Solarize => Solarize(video, 255.0 * magnitude),
            RandAugmentOp.AutoContrast => AutoContrast(video),
            RandAugmentOp.Equalize => Equalize(video),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };

        private static double Degrees(double radians) => radians * 180.0 / Math.PI;

        /// <summary>
        /// torchvision's affine (and rotate) on a tensor: the inverse matrix of its _get_inverse_affine_matrix about
        /// the centre (or the top-left corner, as RandAugment's shears ask), sampled on its pixel-centre grid with
        /// nearest neighbours and zeros outside.
        /// </summary>
        private static Tensor Affine(Tensor video, double angle, int tx, int ty, double shearX, double shearY, bool topLeft)
        {
            using var scope = NewDisposeScope();
            long h = video.shape[^2], w = video.shape[^1];
            // F.affine passes its centre relative to the image centre: [0, 0] (the top-left corner) is [-w/2, -h/2]
            double cx = topLeft ? -w * 0.5 : 0.0, cy = topLeft ? -h * 0.5 : 0.0;
            double rot = -angle * Math.PI / 180.0, sx = shearX * Math.PI / 180.0, sy = shearY * Math.PI / 180.0;
            var a = Math.Cos(rot - sy) / Math.Cos(sy);
            var b = -Math.Cos(rot - sy) * Math.Tan(sx) / Math.Cos(sy) - Math.Sin(rot);
            var c = Math.Sin(rot - sy) / Math.Cos(sy);
            var d = -Math.Sin(rot - sy) * Math.Tan(sx) / Math.Cos(sy) + Math.Cos(rot);
            var m = new[] { d, -b, 0.0, -c, a, 0.0 };
            m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx;
            m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy;
            // torchvision's _gen_affine_grid: pixel centres from -w/2 + 0.5, theta rescaled to [-1, 1]
            var xs = linspace(-w * 0.5 + 0.5, w * 0.5 + 0.5 - 1, w, ScalarType.Float32);
            var ys = linspace(-h * 0.5 + 0.5, h * 0.5 + 0.5 - 1, h, ScalarType.Float32);
            var grid = stack(new[] { xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w), ones(h, w) }, -1).view(1, h * w, 3);
            var theta = tensor(new float[] { (float)m[0], (float)m[1], (float)m[2], (float)m[3], (float)m[4], (float)m[5] }, new long[] { 1, 2, 3 });
            var rescaled = theta.transpose(1, 2).div(tensor(new float[] { (float)(0.5 * w), (float)(0.5 * h) }));
            var outputGrid = grid.bmm(rescaled).view(1, h, w, 2);
            var shape = video.shape;
            var frames = video.reshape(-1, shape[^3], h, w).to(ScalarType.Float32);
            var sampled = F.grid_sample(frames, outputGrid.expand(frames.shape[0], h, w, 2), GridSampleMode.Nearest, GridSamplePaddingMode.Zeros, false);
            return sampled.round().to(ScalarType.Byte).reshape(shape).MoveToOuterDisposeScope();
        }

        /// <summary>torchvision's _blend: ratio * image + (1 - ratio) * other,
        /// clamped to [0, 255], truncated to uint8.</summary>
        private static Tensor Blend(Tensor video, Tensor other, double ratio)
        {
            using var scope = NewDisposeScope();
            // float32 factors as tensors: PyTorch multiplies in float32 here, and a double scalar need not
            var r = tensor((float)ratio);
            var rest = tensor((float)(1.0 - ratio));
            using var low = 0.0.ToScalar();
            using var high = 255.0.ToScalar();
            var blended = video.to(ScalarType.Float32).mul(r).add(other.to(ScalarType.Float32).mul(rest)).clamp(low, high);
            return blended.to(ScalarType.Byte).MoveToOuterDisposeScope();
        }

        /// <summary>torchvision's rgb_to_grayscale of uint8 frames, one channel, truncated to uint8.</summary>
        private static Tensor Grayscale(Tensor video)
        {
            using var scope = NewDisposeScope();
            var channels = video.to(ScalarType.Float32).unbind(-3);
            using var wr = 0.2989.ToScalar();
            using var wg = 0.587.ToScalar();
            using var wb = 0.114.ToScalar();
            var gray = channels[0].mul(wr).add(channels[1].mul(wg)).add(channels[2].mul(wb));
            return gray.to(ScalarType.Byte).unsqueeze(-3).MoveToOuterDisposeScope();
        }

        /// <summary>torchvision's adjust_sharpness: a blend with the image smoothed by [[1,1,1],[1,5,1],[1,1,1]] / 13
        /// inside its one-pixel border.</summary>
        private static Tensor Sharpness(Tensor video, double factor)
        {
            long h = video.shape[^2], w = video.shape[^1];
            if (h <= 2 || w <= 2) return video.alias();
            using var scope = NewDisposeScope();
            var c = video.shape[^3];
            var kernel = ones(3, 3);
            kernel[1, 1] = tensor(5.0f);
            kernel = kernel.div(kernel.sum()).expand(c, 1, 3, 3);
            var frames = video.reshape(-1, c, h, w).to(ScalarType.Float32);
            var smooth = F.conv2d(frames, kernel, groups: c).round().to(ScalarType.Byte);
            var degenerate = video.reshape(-1, c, h, w).clone();
            degenerate[.., .., 1..^1, 1..^1] = smooth;
            return Blend(video, degenerate.reshape(video.shape), factor).MoveToOuterDisposeScope();
        }

        /// <summary>torchvision's posterize: the top <paramref name="bits"/> bits of each value.</summary>
        private static Tensor Posterize(Tensor video, int bits)
        {
            using var mask = tensor((byte)((0xFF << (8 - bits)) & 0xFF), ScalarType.Byte);
            return video.bitwise_and(mask);
        }

        private static Tensor Solarize(Tensor video, double threshold)
        {
            using var scope = NewDisposeScope();
            using var t = threshold.ToScalar();
            using var top = 255.ToScalar();
            var inverted = video.to(ScalarType.Int32).neg().add(top).to(ScalarType.Byte);
            return where(video.to(ScalarType.Float32).ge(t), inverted, video).MoveToOuterDisposeScope();
        }

        /// <summary>torchvision's autocontrast: each frame's channel
        /// stretched from its own min..max to 0..255.</summary>
        private static Tensor AutoContrast(Tensor video)
        {
            using var scope = NewDisposeScope();
            using var low = 0.0.ToScalar();
            using var high = 255.0.ToScalar();
            var x = video.to(ScalarType.Float32);
            var min = x.amin(new long[] { -2, -1 }, keepdim: true);
            var max = x.amax(new long[] { -2, -1 }, keepdim: true);
            var flat = max.eq(min);
            // PyTorch divides a number by a tensor as reciprocal times the number; the same here, to the last bit
            var scale = where(flat, ones_like(max), max.sub(min).reciprocal().mul(high));
            min = where(flat, zeros_like(min), min);
            return x.sub(min).mul(scale).clamp(low, high).to(ScalarType.Byte).MoveToOuterDisposeScope();
        }

        /// <summary>torchvision's equalize: each frame's channel
        /// through the lookup table of its own histogram.</summary>
        private static Tensor Equalize(Tensor video)
        {
            using var scope = NewDisposeScope();
            long h = video.shape[^2], w = video.shape[^1];
            var planes = video.reshape(-1, h * w);
            var result = planes.clone();
            using var zero = 0L.ToScalar();
            using var top = 255L.ToScalar();
            for (long i = 0; i < planes.shape[0]; i++)
            {
                var plane = planes[i].to(ScalarType.Int64);
                var hist = bincount(plane, minlength: 256).to(ScalarType.Int64);
                var nonzero = hist.masked_select(hist.ne(zero));
                var step = (nonzero.sum().item<long>() - nonzero[-1].item<long>()) / 255;
                if (step == 0) continue;
                using var half = (step / 2).ToScalar();
                using var by = step.ToScalar();
                var lut = hist.cumsum(0).add(half).div(by, RoundingMode.floor);
                lut = F.pad(lut, new long[] { 1, 0 })[..^1].clamp(zero, top);
                result[i] = lut.index_select(0, plane).to(ScalarType.Byte);
            }
            return result.reshape(video.shape).MoveToOuterDisposeScope();
        }
    }
}
