using System;
using System.Linq;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>An input that does not fit the spec: the message quotes what the spec expects and what came.</summary>
    public sealed class InputShapeException : Exception
    {
        public InputShapeException(string message) : base(message) { }
    }

    /// <summary>Checks a <see cref="ModelInput"/> against a spec before any math runs.</summary>
    public static class InputGuard
    {
        public static string Expected(ModelSpec spec) => "[B, " + string.Join(", ", spec.Axes) + $", {spec.EmbeddingDim}]";

        public static void Check(ModelSpec spec, ModelInput input)
        {
            var x = input.X;
            var got = "[" + string.Join(", ", x.shape) + "]";
            if (x.dim() != spec.Axes.Count + 2)
                throw new InputShapeException($"x: expected rank {spec.Axes.Count + 2} {Expected(spec)} for spec '{spec.Name}', got rank {x.dim()} {got}");
            if (x.shape[x.dim() - 1] != spec.EmbeddingDim)
                throw new InputShapeException($"x: expected embedding dim {spec.EmbeddingDim} in the last axis {Expected(spec)}, got {got}");
            if (!x.is_floating_point())
                throw new InputShapeException($"x: expected a floating-point tensor (float32), got {x.dtype}");
            long b = x.shape[0], n = x.shape[1];
            if (input.Mask is { } mask)
            {
                if (mask.dtype != ScalarType.Bool)
                    throw new InputShapeException($"mask: expected bool (True = valid), got {mask.dtype}");
                if (!mask.shape.SequenceEqual(new[] { b, n }))
                    throw new InputShapeException($"mask: expected [B, {spec.MaskedAxis}] = [{b}, {n}] to match x {got}, got [{string.Join(", ", mask.shape)}]");
            }
            if (input.ViewIds is { } views)
            {
                if (spec.ViewEmbedding is null)
                    throw new InputShapeException($"view_ids: spec '{spec.Name}' has no view embedding; drop view_ids or add viewEmbedding to the spec");
                if (views.dtype != ScalarType.Int64 && views.dtype != ScalarType.Int32)
                    throw new InputShapeException($"view_ids: expected int64, got {views.dtype}");
                if (!views.shape.SequenceEqual(new[] { b, n }))
                    throw new InputShapeException($"view_ids: expected [B, {spec.MaskedAxis}] = [{b}, {n}] to match x {got}, got [{string.Join(", ", views.shape)}]");
                if (views.numel() > 0)
                {
                    long lo = views.min().item<long>(), hi = views.max().item<long>();
                    if (lo < 0 || hi > spec.ViewEmbedding.Classes)
                        throw new InputShapeException($"view_ids: expected ids in [0, {spec.ViewEmbedding.Classes}] ({spec.ViewEmbedding.Classes} = padding), got values in [{lo}, {hi}]");
                }
            }
        }
    }
}
