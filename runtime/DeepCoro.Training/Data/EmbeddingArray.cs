using System;
using System.IO;
using System.Linq;
using DeepCoro.Runtime.IO;
using DeepCoro.Runtime.IO.Torch;

namespace DeepCoro.Runtime.Data
{
    /// <summary>A float32 array read from one embedding file, with its shape.</summary>
    public sealed record EmbeddingArray(float[] Data, long[] Shape)
    {
        private static readonly string Formats = "expected " + string.Join(", ", EmbeddingPaths.Extensions[..^1]) + " or " + EmbeddingPaths.Extensions[^1];

        public string ShapeText => "[" + string.Join(", ", Shape) + "]";

        /// <summary>
        /// Reads a .npy, or a .safetensors or a torch.save .pt holding one tensor (or one named "embedding"), as
        /// float32; every value must be finite.
        /// </summary>
        public static EmbeddingArray Load(string path)
        {
            if (IO.InputFile.Problem(path, "embedding file") is { } problem) throw new DataException(problem);
            var ext = Path.GetExtension(path).ToLowerInvariant();
            var array = ext switch
            {
                ".npy" => Npy.Read(path),
                ".safetensors" => FromSafetensors(path),
                ".pt" => FromTorch(path),
                _ => throw new DataException($"{path}: unknown embedding format '{ext}'; {Formats}"),
            };
            RequireFinite(path, array.Data, array.Shape);
            return array;
        }

        /// <summary>
        /// Reads one file only to check that every value is finite, into a pooled buffer: memory is one file, not the
        /// dataset, so every split can be checked before training.
        /// </summary>
        public static void CheckFinite(string path) => CheckFinite(path, TokenDtype.Float32);

        /// <summary><see cref="CheckFinite(string)"/>, and with float16 tokens also that every value fits
        /// float16.</summary>
        public static void CheckFinite(string path, TokenDtype dtype)
        {
            if (!Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase))
            {
                var array = Load(path);
                RequireRange(path, array.Data, array.Shape, dtype);
                return;
            }
            float[]? buffer = null;
            var count = 0;
            try
            {
                var shape = Npy.ReadInto(path, s =>
                {
                    count = checked((int)s.Aggregate(1L, (a, b) => a * b));
                    buffer = System.Buffers.ArrayPool<float>.Shared.Rent(count);
                    return buffer.AsSpan(0, count);
                });
                RequireFinite(path, buffer.AsSpan(0, count), shape);
                RequireRange(path, buffer.AsSpan(0, count), shape, dtype);
            }
            finally
            {
                if (buffer != null) System.Buffers.ArrayPool<float>.Shared.Return(buffer);
            }
        }

        /// <summary>Float16 rounds |v| &gt;= 65520 to infinity.</summary>
        private static void RequireRange(string path, ReadOnlySpan<float> values, long[] shape, TokenDtype dtype)
        {
            if (dtype != TokenDtype.Float16) return;
            for (var i = 0; i < values.Length; i++)
            {
                if (MathF.Abs(values[i]) >= 65520f)
                {
                    throw new DataException($"{path}: the value {values[i]} at flat index {i} of [{string.Join(", ", shape)}] does not fit float16 (data.token_dtype; "
                        + $"its largest finite value is {TokenBits.Largest(dtype)}); set data.token_dtype: bfloat16 or float32");
                }
            }
        }

        private static void RequireFinite(string path, ReadOnlySpan<float> values, long[] shape)
        {
            for (var i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                    throw new DataException($"{path}: the embedding holds {values[i]} at flat index {i} of [{string.Join(", ", shape)}]; every value must be finite");
            }
        }

        /// <summary>The shape of an embedding file from its header alone (no data is read).</summary>
        public static long[] ShapeOf(string path)
        {
            if (IO.InputFile.Problem(path, "embedding file") is { } problem) throw new DataException(problem);
            var ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext == ".npy") return Npy.Header(path).Shape;
            if (ext == ".pt")
            {
                using var file = OpenTorch(path);
                return PickTorch(file).Shape;
            }
            if (ext != ".safetensors") throw new DataException($"{path}: unknown embedding format '{ext}'; {Formats}");
            SafetensorsHeader header;
            try { header = Safetensors.ReadHeader(path); }
            catch (SafetensorsException e) { throw new DataException(e.Message); }
            var entry = header.Entries.FirstOrDefault(e => e.Key == "embedding");
            if (entry is null)
            {
                if (header.Entries.Count != 1) throw new DataException($"{path}: holds {header.Entries.Count} tensors; expected one, or one named 'embedding'");
                entry = header.Entries[0];
            }
            RequireFloat(path, entry.Type);
            return entry.Shape;
        }

        /// <summary>An embedding holds floating-point values: a BOOL or
        /// integer tensor is a mask or ids saved in its place.</summary>
        private static void RequireFloat(string path, TorchSharp.torch.ScalarType type)
        {
            if (type is not (TorchSharp.torch.ScalarType.Float32 or TorchSharp.torch.ScalarType.Float16
                or TorchSharp.torch.ScalarType.BFloat16 or TorchSharp.torch.ScalarType.Float64))
            {
                throw new DataException($"{path}: the embedding has dtype {type}; expected floating point (F32, F16, BF16 or F64)");
            }
        }

        /// <summary>
        /// Reads one embedding into <paramref name="target"/> after <paramref name="check"/> accepts its shape and
        /// says where in the target it goes (offset, length); .npy data goes straight there. Values must be finite.
        /// </summary>
        public static void LoadInto(string path, Func<long[], (long Offset, long Length)> check, float[] target)
        {
            if (IO.InputFile.Problem(path, "embedding file") is { } problem) throw new DataException(problem);
            (long Offset, long Length) place = default;
            long[] shape;
            if (Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase))
            {
                shape = Npy.ReadInto(path, s =>
                {
                    place = check(s);
                    return target.AsSpan((int)place.Offset, (int)place.Length);
                });
            }
            else
            {
                var array = Load(path);
                shape = array.Shape;
                place = check(shape);
                array.Data.AsSpan(0, (int)place.Length).CopyTo(target.AsSpan((int)place.Offset, (int)place.Length));
            }
            RequireFinite(path, target.AsSpan((int)place.Offset, (int)place.Length), shape);
        }

        /// <summary>
        /// <see cref="LoadInto"/> for 16-bit tokens: the values land in <paramref name="target"/> as
        /// <paramref name="dtype"/>'s bit patterns. A float16 .npy read as float16 is copied as it is; any other file
        /// is rounded to nearest even as it is read, and a finite float32 value beyond the type's range is refused.
        /// </summary>
        public static void LoadInto16(string path, Func<long[], (long Offset, long Length)> check, TorchSharp.torch.Tensor target, TokenDtype dtype)
        {
            if (IO.InputFile.Problem(path, "embedding file") is { } problem) throw new DataException(problem);
            (long Offset, long Length) place = default;
            long[] shape;
            if (Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase))
            {
                (shape, _) = Npy.ReadInto16(path, s =>
                {
                    place = check(s);
                    return TokenBits.Of(target).Slice((int)place.Offset, (int)place.Length);
                }, dtype);
            }
            else
            {
                var array = Load(path);
                shape = array.Shape;
                place = check(shape);
                TokenBits.Narrow(array.Data.AsSpan(0, (int)place.Length), TokenBits.Of(target).Slice((int)place.Offset, (int)place.Length), dtype);
            }
            RequireFinite16(path, TokenBits.Of(target).Slice((int)place.Offset, (int)place.Length), shape, dtype);
        }

        /// <summary>Rounds <paramref name="source"/> (read as float32) into 16-bit tokens, refusing values beyond the
        /// type's range.</summary>
        public static void Narrow(string path, ReadOnlySpan<float> source, Span<ushort> target, long[] shape, TokenDtype dtype)
        {
            TokenBits.Narrow(source, target, dtype);
            RequireFinite16(path, target, shape, dtype);
        }

        private static void RequireFinite16(string path, ReadOnlySpan<ushort> values, long[] shape, TokenDtype dtype)
        {
            var i = TokenBits.FirstNonFinite(values, dtype);
            if (i < 0) return;
            var name = dtype == TokenDtype.Float16 ? "float16" : "bfloat16";
            throw new DataException($"{path}: the value at flat index {i} of [{string.Join(", ", shape)}] is not finite as {name} (data.token_dtype; "
                + $"its largest finite value is {TokenBits.Largest(dtype)}); every value must be finite: fix the file or set data.token_dtype: float32");
        }

        private static EmbeddingArray FromSafetensors(string path)
        {
            OrderedDictionaryTensors tensors;
            try { tensors = new OrderedDictionaryTensors(Safetensors.Load(path)); }
            catch (SafetensorsException e) { throw new DataException(e.Message); }
            using (tensors)
            {
                var tensor = tensors.Pick(path);
                RequireFloat(path, tensor.dtype);
                using var f = tensor.to(TorchSharp.torch.ScalarType.Float32).contiguous();
                return new EmbeddingArray(f.data<float>().ToArray(), tensor.shape);
            }
        }

        private static TorchFile OpenTorch(string path)
        {
            try { return TorchFile.Open(path); }
            catch (TorchFileException e) { throw new DataException(e.Message); }
        }

        /// <summary>The one tensor of a .pt (torch.save of a tensor, or
        /// of a dict with one tensor or one named "embedding").</summary>
        private static PickledTensor PickTorch(TorchFile file)
        {
            var tensor = file.Root switch
            {
                PickledTensor t => t,
                PickledDict d when d.TryGetValue("embedding", out var named) && named is PickledTensor t => t,
                PickledDict { Count: 1 } d when d.Entries[0].Value is PickledTensor t => t,
                PickledDict d => throw new DataException($"{file.Path}: holds a dict of {d.Count} entries {d.KeySummary()}; expected one tensor, or one named 'embedding'"),
                _ => throw new DataException($"{file.Path}: holds no tensor; expected torch.save(tensor)"),
            };
            if (tensor.Storage.Type is not (TorchSharp.torch.ScalarType.Float32 or TorchSharp.torch.ScalarType.Float16))
                throw new DataException($"{file.Path}: the embedding is {tensor.Storage.Type}; expected float32 or float16");
            return tensor;
        }

        private static EmbeddingArray FromTorch(string path)
        {
            using var file = OpenTorch(path);
            var picked = PickTorch(file);
            try
            {
                using var tensor = file.ReadTensor(picked);
                using var f = tensor.to(TorchSharp.torch.ScalarType.Float32);
                return new EmbeddingArray(f.data<float>().ToArray(), picked.Shape);
            }
            catch (TorchFileException e) { throw new DataException(e.Message); }
        }

        /// <summary>The tensors of one file, disposed together.</summary>
        private sealed class OrderedDictionaryTensors : IDisposable
        {
            private readonly System.Collections.Generic.OrderedDictionary<string, TorchSharp.torch.Tensor> tensors;
            public OrderedDictionaryTensors(System.Collections.Generic.OrderedDictionary<string, TorchSharp.torch.Tensor> t) => tensors = t;

            public TorchSharp.torch.Tensor Pick(string path)
            {
                if (tensors.TryGetValue("embedding", out var named)) return named;
                if (tensors.Count == 1) return tensors.Values.First();
                throw new DataException($"{path}: holds {tensors.Count} tensors [{string.Join(", ", tensors.Keys)}]; expected one, or one named 'embedding'");
            }

            public void Dispose() { foreach (var t in tensors.Values) t.Dispose(); }
        }
    }
}
