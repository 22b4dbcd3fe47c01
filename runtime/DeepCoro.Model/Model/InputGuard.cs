using System;
using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Model
{
    /// <summary>Checks a <see cref="ModelInput"/> against a spec before any math runs.</summary>
    public static class InputGuard
    {
        public static string Expected(IReadOnlyList<string> axes, int embeddingDim) => "[B, " + string.Join(", ", axes) + $", {embeddingDim}]";

        public static void Check(ModelSpec spec, ModelInput input) =>
            Check(spec.Name, spec.Axes, spec.EmbeddingDim, spec.ViewEmbedding?.Classes, input);

        /// <summary>
        /// The same checks from the few facts they need, so that generated modules guard their input without
        /// carrying a spec: <paramref name="viewClasses"/> is null when the model has no view embedding.
        /// </summary>
        public static void Check(string model, IReadOnlyList<string> axes, int embeddingDim, int? viewClasses, ModelInput input)
        {
            var x = input.X;
            var got = "[" + string.Join(", ", x.shape) + "]";
            var expected = Expected(axes, embeddingDim);
            if (x.dim() != axes.Count + 2)
                throw new InputShapeException($"x: expected rank {axes.Count + 2} {expected} for spec '{model}', got rank {x.dim()} {got}");
            if (x.shape[x.dim() - 1] != embeddingDim)
                throw new InputShapeException($"x: expected embedding dim {embeddingDim} in the last axis {expected}, got {got}");
            if (x.dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16))
                throw new InputShapeException($"x: expected float32 (float16 or bfloat16 tokens, or float64 for a model moved to float64), got {x.dtype}");
            long b = x.shape[0], n = x.shape[1];
            if (input.Mask is { } mask)
            {
                if (mask.dtype != ScalarType.Bool)
                    throw new InputShapeException($"mask: expected bool (True = valid), got {mask.dtype}");
                if (!mask.shape.SequenceEqual(new[] { b, n }))
                    throw new InputShapeException($"mask: expected [B, {axes[0]}] = [{b}, {n}] to match x {got}, got [{string.Join(", ", mask.shape)}]");
            }
            if (input.ViewIds is { } views)
            {
                if (viewClasses is not { } classes)
                    throw new InputShapeException($"view_ids: spec '{model}' has no view embedding; drop view_ids or add viewEmbedding to the spec");
                if (views.dtype != ScalarType.Int64 && views.dtype != ScalarType.Int32)
                    throw new InputShapeException($"view_ids: expected int64 (or int32), got {views.dtype}");
                if (!views.shape.SequenceEqual(new[] { b, n }))
                    throw new InputShapeException($"view_ids: expected [B, {axes[0]}] = [{b}, {n}] to match x {got}, got [{string.Join(", ", views.shape)}]");
                if (views.numel() > 0)
                {
                    using var ids = views.to(ScalarType.Int64);
                    long lo = ids.min().item<long>(), hi = ids.max().item<long>();
                    if (lo < 0 || hi > classes)
                        throw new InputShapeException($"view_ids: expected ids in [0, {classes}] ({classes} = padding), got values in [{lo}, {hi}]");
                }
            }
        }
    }
}
