using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO
{
    /// <summary>A safetensors file that cannot be read: the message names the file and what is wrong with it.</summary>
    public sealed class SafetensorsException : Exception
    {
        public SafetensorsException(string message) : base(message) { }
    }

    /// <summary>One tensor's header entry: its dtype, shape and byte range within the data section.</summary>
    public sealed record SafetensorsEntry(string Key, string DType, ScalarType Type, long[] Shape, long Begin, long End);

    /// <summary>A safetensors header: the __metadata__ strings, the tensor entries in file order, and where the data starts.</summary>
    public sealed record SafetensorsHeader(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafetensorsEntry> Entries, long DataStart);

    /// <summary>
    /// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw
    /// little-endian data), the format PyTorch's safetensors package reads and writes. Writes are atomic.
    /// </summary>
    public static class Safetensors
    {
        private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
        {
            ["F64"] = (ScalarType.Float64, 8), ["F32"] = (ScalarType.Float32, 4), ["F16"] = (ScalarType.Float16, 2),
            ["BF16"] = (ScalarType.BFloat16, 2), ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4),
            ["I16"] = (ScalarType.Int16, 2), ["I8"] = (ScalarType.Int8, 1), ["U8"] = (ScalarType.Byte, 1),
            ["BOOL"] = (ScalarType.Bool, 1),
        };

        private const long MaxHeader = 100_000_000;

        /// <summary>
        /// The header of a safetensors file, every entry checked against the file's size: a truncated or corrupt
        /// file fails here with a <see cref="SafetensorsException"/> naming it, before any data is read.
        /// </summary>
        public static SafetensorsHeader ReadHeader(string path)
        {
            if (!File.Exists(path)) throw new SafetensorsException($"{path}: file not found");
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                long fileLength = stream.Length;
                if (fileLength < 8) throw new SafetensorsException($"{path}: not a safetensors file: {fileLength} bytes, shorter than the 8-byte header length");
                var lengthBytes = new byte[8];
                stream.ReadExactly(lengthBytes);
                long headerLength = BitConverter.ToInt64(lengthBytes, 0);
                if (headerLength <= 0 || headerLength > MaxHeader || headerLength > fileLength - 8)
                    throw new SafetensorsException($"{path}: not a safetensors file or truncated: header length {headerLength}, file size {fileLength}");
                var header = new byte[headerLength];
                stream.ReadExactly(header);
                return ParseHeader(path, header, 8 + headerLength, fileLength - 8 - headerLength);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SafetensorsException($"{path}: cannot read: {e.Message}"); }
        }

        private static SafetensorsHeader ParseHeader(string path, byte[] header, long dataStart, long dataLength)
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(header); }
            catch (JsonException e) { throw new SafetensorsException($"{path}: the header is not valid JSON ({e.Message})"); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SafetensorsException($"{path}: the header is not a JSON object");
                var metadata = new Dictionary<string, string>();
                var entries = new List<SafetensorsEntry>();
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    if (entry.Name != "__metadata__") { entries.Add(ReadEntry(path, entry, dataLength)); continue; }
                    if (entry.Value.ValueKind != JsonValueKind.Object) throw new SafetensorsException($"{path}: __metadata__ is not a map of strings");
                    foreach (var m in entry.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw new SafetensorsException($"{path}: __metadata__ '{m.Name}' is not a string");
                }
                return new SafetensorsHeader(metadata, entries, dataStart);
            }
        }

        private static SafetensorsEntry ReadEntry(string path, JsonProperty entry, long dataLength)
        {
            var key = entry.Name;
            try
            {
                var dtypeName = entry.Value.GetProperty("dtype").GetString() ?? "";
                if (!DTypes.TryGetValue(dtypeName, out var dtype))
                    throw new SafetensorsException($"{path}: tensor '{key}' has dtype '{dtypeName}', expected one of {string.Join(", ", DTypes.Keys)}");
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (offsets.Length != 2 || shape.Any(d => d < 0) || offsets[1] - offsets[0] != count * dtype.Size || offsets[0] < 0)
                    throw new SafetensorsException($"{path}: tensor '{key}' {dtypeName} [{string.Join(", ", shape)}] does not match its data offsets [{string.Join(", ", offsets)}]");
                if (offsets[1] > dataLength)
                    throw new SafetensorsException($"{path}: truncated: tensor '{key}' ends at byte {offsets[1]} of the data but the file holds {dataLength}");
                return new SafetensorsEntry(key, dtypeName, dtype.Type, shape, offsets[0], offsets[1]);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new SafetensorsException($"{path}: tensor '{key}' has a malformed header entry (needs dtype, shape, data_offsets): {e.Message}");
            }
        }

        public static OrderedDictionary<string, Tensor> Load(string path)
        {
            var header = ReadHeader(path);
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SafetensorsException($"{path}: cannot read: {e.Message}"); }
            if (bytes.Length < header.DataStart + header.Entries.Select(e => e.End).DefaultIfEmpty(0).Max())
                throw new SafetensorsException($"{path}: the file changed while it was read");
            var result = new OrderedDictionary<string, Tensor>();
            foreach (var e in header.Entries)
            {
                var tensor = empty(e.Shape, e.Type);
                if (e.End > e.Begin) tensor.bytes = new Span<byte>(bytes, (int)(header.DataStart + e.Begin), (int)(e.End - e.Begin));
                result[e.Key] = tensor;
            }
            return result;
        }

        /// <summary>Writes tensors (any device) to <paramref name="path"/> through a temporary file and a rename.</summary>
        public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        {
            var blobs = new List<(string Key, string DType, long[] Shape, byte[] Data)>();
            foreach (var (key, tensor) in tensors)
            {
                var dtype = DTypes.FirstOrDefault(d => d.Value.Type == tensor.dtype);
                if (dtype.Key is null) throw new SafetensorsException($"{path}: tensor '{key}' has dtype {tensor.dtype}, which safetensors cannot store");
                using var cpu = tensor.detach().cpu().contiguous();
                blobs.Add((key, dtype.Key, tensor.shape, cpu.bytes.ToArray()));
            }
            var json = new StringBuilder("{");
            if (metadata is { Count: > 0 })
                json.Append("\"__metadata__\":").Append(JsonSerializer.Serialize(metadata)).Append(',');
            long offset = 0;
            foreach (var b in blobs)
            {
                json.Append(JsonSerializer.Serialize(b.Key)).Append(":{\"dtype\":\"").Append(b.DType).Append("\",\"shape\":[")
                    .Append(string.Join(",", b.Shape)).Append("],\"data_offsets\":[").Append(offset).Append(',').Append(offset + b.Data.Length).Append("]},");
                offset += b.Data.Length;
            }
            if (json[^1] == ',') json.Length--;
            json.Append('}');
            while ((json.Length + 8) % 8 != 0) json.Append(' ');   // data starts 8-byte aligned
            var header = Encoding.UTF8.GetBytes(json.ToString());
            AtomicFile.Write(path, stream =>
            {
                stream.Write(BitConverter.GetBytes((long)header.Length));
                stream.Write(header);
                foreach (var b in blobs) stream.Write(b.Data);
            });
        }
    }
}
