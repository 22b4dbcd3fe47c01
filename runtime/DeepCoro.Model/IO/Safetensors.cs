using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO
{
    /// <summary>
    /// Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw
    /// little-endian data), the format PyTorch's safetensors package reads and writes. Writes are atomic.
    /// </summary>
    public static class Safetensors
    {
        private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
        {
            ["F64"] = (ScalarType.Float64, 8),
            ["F32"] = (ScalarType.Float32, 4),
            ["F16"] = (ScalarType.Float16, 2),
            ["BF16"] = (ScalarType.BFloat16, 2),
            ["I64"] = (ScalarType.Int64, 8),
            ["I32"] = (ScalarType.Int32, 4),
            ["I16"] = (ScalarType.Int16, 2),
            ["I8"] = (ScalarType.Int8, 1),
            ["U8"] = (ScalarType.Byte, 1),
            ["BOOL"] = (ScalarType.Bool, 1),
        };

        private const long MaxHeader = 100_000_000;

        /// <summary>
        /// The header of a safetensors file, every entry checked against the file's size: a truncated or corrupt
        /// file fails here with a <see cref="SafetensorsException"/> naming it, before any data is read.
        /// </summary>
        public static SafetensorsHeader ReadHeader(string path)
        {
            if (InputFile.Problem(path, "file") is { } problem) throw new SafetensorsException(problem);
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                var fileLength = stream.Length;
                if (fileLength < 8) throw new SafetensorsException($"{path}: not a safetensors file: {fileLength} bytes, shorter than the 8-byte header length");
                var lengthBytes = new byte[8];
                stream.ReadExactly(lengthBytes);
                var headerLength = BitConverter.ToInt64(lengthBytes, 0);
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
            // JsonDocument checks the JSON but not the UTF-8 inside strings, which would fail later, in GetString
            try { StrictUtf8.GetCharCount(header); }
            catch (DecoderFallbackException) { throw new SafetensorsException($"{path}: the header is not valid UTF-8 text"); }
            JsonDocument doc;
            try { doc = JsonDocument.Parse(header); }
            catch (JsonException e) { throw new SafetensorsException($"{path}: the header is not valid JSON ({OneLine(e.Message)})"); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SafetensorsException($"{path}: the header is not a JSON object");
                var metadata = new Dictionary<string, string>();
                var entries = new List<SafetensorsEntry>();
                var names = new HashSet<string>();
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    var name = Name(path, entry);
                    if (!names.Add(name)) throw new SafetensorsException($"{path}: '{name}' appears twice in the header");
                    if (name != "__metadata__") { entries.Add(ReadEntry(path, name, entry.Value, dataLength)); continue; }
                    if (entry.Value.ValueKind != JsonValueKind.Object) throw new SafetensorsException($"{path}: __metadata__ is not a map of strings");
                    foreach (var m in entry.Value.EnumerateObject())
                    {
                        var key = Name(path, m);
                        if (m.Value.ValueKind != JsonValueKind.String) throw new SafetensorsException($"{path}: __metadata__ '{key}' is not a string");
                        if (!metadata.TryAdd(key, Text(path, m.Value))) throw new SafetensorsException($"{path}: __metadata__ '{key}' appears twice");
                    }
                }
                CheckDisjoint(path, entries);
                return new SafetensorsHeader(metadata, entries, dataStart);
            }
        }

        /// <summary>A property name; JSON escapes can spell a lone UTF-16 surrogate, which is no text.</summary>
        private static string Name(string path, JsonProperty property)
        {
            try { return property.Name; }
            catch (InvalidOperationException) { throw new SafetensorsException($"{path}: a header name is not valid Unicode text"); }
        }

        private static string Text(string path, JsonElement value)
        {
            try { return value.GetString()!; }
            catch (InvalidOperationException) { throw new SafetensorsException($"{path}: a header string is not valid Unicode text"); }
        }

        private static SafetensorsEntry ReadEntry(string path, string key, JsonElement value, long dataLength)
        {
            if (value.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException($"{path}: tensor '{key}' has a malformed header entry: expected {{\"dtype\", \"shape\", \"data_offsets\"}}, got a {value.ValueKind.ToString().ToLowerInvariant()}");
            var dtypeName = Text(path, Field(path, key, value, "dtype", JsonValueKind.String));
            if (!DTypes.TryGetValue(dtypeName, out var dtype))
                throw new SafetensorsException($"{path}: tensor '{key}' has dtype '{dtypeName}', expected one of {string.Join(", ", DTypes.Keys)}");
            var shape = Integers(path, key, Field(path, key, value, "shape", JsonValueKind.Array), "shape");
            var offsets = Integers(path, key, Field(path, key, value, "data_offsets", JsonValueKind.Array), "data_offsets");
            string Described() => $"tensor '{key}' {dtypeName} [{string.Join(", ", shape)}]";
            if (shape.Any(d => d < 0)) throw new SafetensorsException($"{path}: {Described()} has a negative dimension");
            long bytes;
            try
            {
                // zeros count as ones: libtorch's strides (products of later dimensions) must fit, not just the count
                var span = shape.Aggregate(1L, (a, d) => checked(a * Math.Max(d, 1L)));
                bytes = shape.Contains(0) ? 0 : checked(span * dtype.Size);
            }
            catch (OverflowException) { throw new SafetensorsException($"{path}: {Described()} has more elements than 64-bit sizes can count"); }
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] - offsets[0] != bytes)
                throw new SafetensorsException($"{path}: {Described()} ({bytes} bytes) does not match its data offsets [{string.Join(", ", offsets)}]");
            if (offsets[1] > dataLength)
                throw new SafetensorsException($"{path}: truncated: tensor '{key}' ends at byte {offsets[1]} of the data but the file holds {dataLength}");
            return new SafetensorsEntry(key, dtypeName, dtype.Type, shape, offsets[0], offsets[1]);
        }

        private static JsonElement Field(string path, string key, JsonElement entry, string name, JsonValueKind kind)
        {
            if (entry.TryGetProperty(name, out var v) && v.ValueKind == kind) return v;
            throw new SafetensorsException($"{path}: tensor '{key}' has a malformed header entry: '{name}' must be a{(kind == JsonValueKind.Array ? "n array" : " string")}");
        }

        private static long[] Integers(string path, string key, JsonElement array, string name) =>
            array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v
                : throw new SafetensorsException($"{path}: tensor '{key}': {name} must hold 64-bit integers, got {OneLine(e.GetRawText())}")).ToArray();

        /// <summary>Two tensors may not share bytes: writing one through the other would corrupt both.</summary>
        private static void CheckDisjoint(string path, IEnumerable<SafetensorsEntry> entries)
        {
            SafetensorsEntry? previous = null;
            foreach (var e in entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin))
            {
                if (previous != null && e.Begin < previous.End)
                    throw new SafetensorsException($"{path}: tensors '{previous.Key}' [{previous.Begin}, {previous.End}) and '{e.Key}' [{e.Begin}, {e.End}) overlap in the data");
                previous = e;
            }
        }

        private static string OneLine(string text) => text.ReplaceLineEndings(" ");

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

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

        /// <summary>Writes tensors (any device) to <paramref name="path"/>
        /// through a temporary file and a rename.</summary>
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
