using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace DeepCoro.Runtime.Data
{
    /// <summary>
    /// NumPy's .npy format (version 1-3): magic, header length, a Python-dict header (descr, fortran_order, shape),
    /// then raw C-order data. Only little-endian float32 and float16 are read: embeddings come in one of those.
    /// </summary>
    public static class Npy
    {
        private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

        /// <summary>The dtype and shape of a .npy file, reading only its header.</summary>
        public static (string Descr, long[] Shape) Header(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            return Header(stream, path);
        }

        private static (string Descr, long[] Shape) Header(Stream stream, string path)
        {
            var reader = new BinaryReader(stream);
            var magic = reader.ReadBytes(6);
            if (magic.Length < 6 || !magic.SequenceEqual(Magic)) throw new DataException($"{path}: not a .npy file (bad magic)");
            string header;
            try
            {
                int major = reader.ReadByte();
                reader.ReadByte();
                if (major is < 1 or > 3) throw new DataException($"{path}: .npy format version {major} is not one of 1, 2, 3");
                long headerLength = major == 1 ? reader.ReadUInt16() : reader.ReadUInt32();
                if (headerLength > MaxHeader) throw new DataException($"{path}: a .npy header of {headerLength} bytes; NumPy writes a few hundred");
                if (headerLength > stream.Length - stream.Position)
                    throw new DataException($"{path}: truncated .npy header: it promises {headerLength} bytes, the file holds {stream.Length - stream.Position} more");
                header = Encoding.Latin1.GetString(reader.ReadBytes((int)headerLength));
            }
            catch (EndOfStreamException) { throw new DataException($"{path}: truncated .npy header ({stream.Length} bytes)"); }
            var descr = Regex.Match(header, @"'descr'\s*:\s*'([^']*)'").Groups[1].Value;
            if (Regex.IsMatch(header, @"'fortran_order'\s*:\s*True")) throw new DataException($"{path}: Fortran-order arrays are not supported; save with np.ascontiguousarray");
            var shapeText = Regex.Match(header, @"'shape'\s*:\s*\(([^)]*)\)");
            if (!shapeText.Success) throw new DataException($"{path}: .npy header has no shape: {header.Trim()}");
            var dims = shapeText.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var shape = new long[dims.Length];
            for (var i = 0; i < dims.Length; i++)
            {
                if (!long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                    throw new DataException($"{path}: .npy shape ({shapeText.Groups[1].Value}) is not a tuple of non-negative integers");
            }

            if (descr is not ("<f4" or "=f4" or "<f2" or "=f2"))
                throw new DataException($"{path}: dtype '{descr}' is not supported; expected little-endian float32 ('<f4') or float16 ('<f2')");
            long elements;
            try { elements = shape.Aggregate(1L, (a, d) => checked(a * d)); }
            catch (OverflowException) { throw new DataException($"{path}: .npy shape ({shapeText.Groups[1].Value}) has more elements than 64-bit sizes can count"); }
            var remaining = stream.Length - stream.Position;
            if (elements > remaining / (descr.EndsWith("f4") ? 4 : 2))
                throw new DataException($"{path}: truncated: the header promises {elements} elements ({shapeText.Groups[1].Value}), the file holds {remaining} data bytes");
            if (elements > Array.MaxLength)
                throw new DataException($"{path}: {elements} elements; one embedding file holds at most {Array.MaxLength}");
            return (descr, shape);
        }

        /// <summary>NumPy itself refuses headers over 10 000 bytes unless told otherwise.</summary>
        private const long MaxHeader = 1 << 20;

        /// <summary>
        /// Reads the data straight into <paramref name="target"/> (which must hold exactly the array's elements),
        /// so the loader allocates nothing per file; returns the shape.
        /// </summary>
        public static long[] ReadInto(string path, Func<long[], Span<float>> target)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var (descr, shape) = Header(stream, path);
            var span = target(shape);
            if (descr.EndsWith("f4"))
            {
                ReadExactly(stream, path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(span));
            }
            else
            {
                var half = System.Buffers.ArrayPool<Half>.Shared.Rent(span.Length);
                try
                {
                    ReadExactly(stream, path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(half.AsSpan(0, span.Length)));
                    for (var i = 0; i < span.Length; i++) span[i] = (float)half[i];
                }
                finally { System.Buffers.ArrayPool<Half>.Shared.Return(half); }
            }
            return shape;
        }

        /// <summary>
        /// Reads the data as 16-bit floats of <paramref name="dtype"/> (their bit patterns) straight into
        /// <paramref name="target"/>: a '&lt;f2' file read as float16 is copied as it is; anything else is read
        /// into a pooled buffer and rounded to nearest even (<see cref="TokenBits"/>). Returns the shape and
        /// whether the file held float32 (whose finite values may overflow float16).
        /// </summary>
        public static (long[] Shape, bool WasFloat32) ReadInto16(string path, Func<long[], Span<ushort>> target, TokenDtype dtype)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var (descr, shape) = Header(stream, path);
            var span = target(shape);
            var wide = descr.EndsWith("f4");
            if (!wide && dtype == TokenDtype.Float16)
            {
                ReadExactly(stream, path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(span));
                return (shape, false);
            }
            var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(span.Length);
            try
            {
                var floats = buffer.AsSpan(0, span.Length);
                if (wide)
                {
                    ReadExactly(stream, path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats));
                }
                else
                {
                    ReadExactly(stream, path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(span));
                    TokenBits.Widen(span, floats, TokenDtype.Float16);
                }
                TokenBits.Narrow(floats, span, dtype);
            }
            finally { System.Buffers.ArrayPool<float>.Shared.Return(buffer); }
            return (shape, wide);
        }

        public static EmbeddingArray Read(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var (descr, shape) = Header(stream, path);
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var data = new float[count];
            if (descr.EndsWith("f4"))
            {
                ReadExactly(stream, path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            }
            else
            {
                var half = new Half[count];
                ReadExactly(stream, path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(half.AsSpan()));
                for (long i = 0; i < count; i++) data[i] = (float)half[i];
            }
            return new EmbeddingArray(data, shape);
        }

        private static void ReadExactly(Stream stream, string path, Span<byte> target)
        {
            var read = stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false);
            if (read < target.Length) throw new DataException($"{path}: truncated: the header promises {target.Length} data bytes, the file holds {read}");
        }

        /// <summary>Writes a C-order float32 array (used by `synth` and the tests).</summary>
        public static void WriteFloat32(Stream stream, ReadOnlySpan<float> data, long[] shape)
        {
            WriteHeader(stream, "<f4", shape);
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
        }

        /// <summary>Writes a C-order float16 array ('&lt;f2', what NumPy's float16 reads): half-precision token
        /// files.</summary>
        public static void WriteFloat16(Stream stream, ReadOnlySpan<Half> data, long[] shape)
        {
            WriteHeader(stream, "<f2", shape);
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
        }

        private static void WriteHeader(Stream stream, string descr, long[] shape)
        {
            var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
            var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
            var total = 10 + header.Length + 1;
            header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";   // data starts 64-byte aligned
            stream.Write(Magic);
            stream.WriteByte(1);
            stream.WriteByte(0);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(Encoding.Latin1.GetBytes(header));
        }
    }
}
