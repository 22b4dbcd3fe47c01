using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Numerics;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// A file written by torch.save, read without Python and without running anything it names. Two layouts:
    /// the zip one (PyTorch 1.6 and later: NAME/data.pkl, a storage per entry NAME/data/KEY, NAME/byteorder since 2.1)
    /// and the legacy one (pickles of a magic number, a protocol version and the writer's system info,
    /// then the object, then the storage keys, then each storage as an int64 element count and its bytes).
    /// Opening reads and checks the pickle and where every storage lies;
    /// storage bytes are read only by <see cref="ReadTensor"/>.
    /// </summary>
    public sealed class TorchFile : IDisposable
    {
        private static readonly BigInteger LegacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
        private const long LegacyProtocol = 1001;

        private readonly ZipArchive? zip;
        private readonly string zipFolder = "";
        private readonly byte[]? legacyBytes;
        private readonly Dictionary<string, long> legacyOffsets = new();
        private readonly bool swapBytes;
        private readonly Dictionary<string, byte[]> read = new();

        public string Path { get; }

        /// <summary>The unpickled object: plain values,
        /// <see cref="PickledDict"/>s and <see cref="PickledTensor"/>s.</summary>
        public object? Root { get; }

        /// <summary>Every storage the object's tensors use, by key.</summary>
        public IReadOnlyDictionary<string, TorchStorage> Storages { get; }

        private TorchFile(string path, object? root, Dictionary<string, TorchStorage> storages, ZipArchive? zip, string zipFolder,
            byte[]? legacyBytes, bool swapBytes)
        {
            Path = path;
            Root = root;
            Storages = storages;
            this.zip = zip;
            this.zipFolder = zipFolder;
            this.legacyBytes = legacyBytes;
            this.swapBytes = swapBytes;
        }

        /// <summary>
        /// Opens a .pt file: a missing, truncated, corrupt or foreign file, or one naming anything but tensors and
        /// plain containers, fails with a one-line <see cref="TorchFileException"/> naming it.
        /// </summary>
        public static TorchFile Open(string path)
        {
            if (!File.Exists(path)) throw new TorchFileException($"{path}: file not found");
            FileStream? stream = null;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                var head = new byte[4];
                var n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
                stream.Position = 0;
                if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return OpenZip(path, stream);
                if (n >= 1 && head[0] == 0x80)
                {
                    if (stream.Length > Array.MaxLength) throw new TorchFileException($"{path}: a legacy torch.save file of {stream.Length} bytes, more than one array can; re-save it with PyTorch 1.6 or later");
                    var bytes = new byte[stream.Length];
                    stream.ReadExactly(bytes);
                    stream.Dispose();
                    return OpenLegacy(path, bytes);
                }
                throw new TorchFileException($"{path}: not a torch.save file: it starts with neither a zip header nor a pickle ({n} bytes read)");
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                stream?.Dispose();
                throw new TorchFileException($"{path}: truncated or corrupt, or unreadable: {e.Message}");
            }
            catch
            {
                stream?.Dispose();
                throw;
            }
        }

        private static TorchFile OpenZip(string path, FileStream stream)
        {
            var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            try
            {
                var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl") && e.FullName.Count(c => c == '/') == 1).ToList();
                if (pickles.Count != 1)
                    throw new TorchFileException($"{path}: a zip archive, but not one written by torch.save (no single NAME/data.pkl)");
                var folder = pickles[0].FullName[..^"/data.pkl".Length];
                if (zip.GetEntry(folder + "/constants.pkl") is not null)
                    throw new TorchFileException($"{path}: a TorchScript archive (torch.jit.save), which holds code, not a torch.save file; save the weights with torch.save(model.state_dict(), path)");
                var order = zip.GetEntry(folder + "/byteorder") is { } entry ? System.Text.Encoding.ASCII.GetString(ReadEntry(path, entry, entry.Length)).Trim() : "little";
                if (order is not ("little" or "big")) throw new TorchFileException($"{path}: byteorder says '{order}', expected little or big");
                var storages = new Dictionary<string, TorchStorage>();
                var root = RestrictedUnpickler.Read(ReadEntry(path, pickles[0], pickles[0].Length), 0, path, storages).Value;
                foreach (var s in storages.Values)
                {
                    var data = zip.GetEntry($"{folder}/data/{s.Key}") ?? throw new TorchFileException($"{path}: truncated or corrupt: storage {s.Key} is missing from the archive");
                    if (data.Length != s.ByteCount)
                        throw new TorchFileException($"{path}: truncated or corrupt: storage {s.Key} holds {data.Length} bytes, {s.Count} x {s.Type} need {s.ByteCount}");
                }
                return new TorchFile(path, root, storages, zip, folder, null, (order == "big") == BitConverter.IsLittleEndian);
            }
            catch
            {
                zip.Dispose();
                throw;
            }
        }

        private static TorchFile OpenLegacy(string path, byte[] bytes)
        {
            var storages = new Dictionary<string, TorchStorage>();
            var pos = 0;
            object? Next()
            {
                if (pos >= bytes.Length) throw new TorchFileException($"{path}: truncated: the legacy torch.save file ends after {pos} bytes");
                (var value, pos) = RestrictedUnpickler.Read(bytes, pos, path, storages);
                return value;
            }
            var magic = Next();
            if (!(magic is BigInteger big && big == LegacyMagic))
                throw new TorchFileException($"{path}: a pickle, but not a torch.save file (no torch magic number)");
            if (Next() is not long protocol || protocol != LegacyProtocol)
                throw new TorchFileException($"{path}: legacy torch.save protocol other than {LegacyProtocol}");
            if (Next() is not PickledDict info || !info.TryGetValue("little_endian", out var little) || little is not bool littleEndian)
                throw new TorchFileException($"{path}: the legacy header lacks the writer's byte order");
            var root = Next();
            if (Next() is not List<object?> keys || keys.Any(k => k is not string))
                throw new TorchFileException($"{path}: truncated or corrupt: no storage key list after the object");
            var file = new TorchFile(path, root, storages, null, "", bytes, littleEndian != BitConverter.IsLittleEndian);
            long at = pos;
            foreach (var key in keys.Cast<string>())
            {
                if (!storages.TryGetValue(key, out var s)) throw new TorchFileException($"{path}: corrupt: storage {key} is listed but no tensor uses it");
                if (at + 8 > bytes.Length) throw new TorchFileException($"{path}: truncated: storage {key} starts past the end of the file ({bytes.Length} bytes)");
                var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)at, 8));
                if (count != s.Count) throw new TorchFileException($"{path}: corrupt: storage {key} says {count} elements, its tensors {s.Count}");
                file.legacyOffsets[key] = at + 8;
                at += 8 + s.ByteCount;
                if (at > bytes.Length) throw new TorchFileException($"{path}: truncated: storage {key} ends at byte {at}, the file holds {bytes.Length}");
            }
            var unlisted = storages.Keys.FirstOrDefault(k => !file.legacyOffsets.ContainsKey(k));
            if (unlisted is not null) throw new TorchFileException($"{path}: truncated or corrupt: storage {unlisted} is used but not stored");
            return file;
        }

        private static byte[] ReadEntry(string path, ZipArchiveEntry entry, long length)
        {
            if (length > Array.MaxLength) throw new TorchFileException($"{path}: {entry.FullName} holds {length} bytes, more than one array can");
            var bytes = new byte[length];
            using var s = entry.Open();
            var n = s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (n < bytes.Length) throw new TorchFileException($"{path}: truncated: {entry.FullName} holds {n} of its {length} bytes");
            return bytes;
        }

        /// <summary>The storage's bytes in this machine's byte order (read once,
        /// then kept while the file is open).</summary>
        private byte[] StorageBytes(TorchStorage storage)
        {
            if (read.TryGetValue(storage.Key, out var cached)) return cached;
            byte[] bytes;
            try
            {
                if (zip is not null) bytes = ReadEntry(Path, zip.GetEntry($"{zipFolder}/data/{storage.Key}")!, storage.ByteCount);
                else bytes = legacyBytes.AsSpan((int)legacyOffsets[storage.Key], (int)storage.ByteCount).ToArray();
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new TorchFileException($"{Path}: truncated or corrupt: storage {storage.Key}: {e.Message}");
            }
            if (swapBytes && storage.ElementSize > 1)
                for (var i = 0; i < bytes.Length; i += storage.ElementSize) Array.Reverse(bytes, i, storage.ElementSize);
            read[storage.Key] = bytes;
            return bytes;
        }

        /// <summary>A new contiguous CPU tensor holding the values of <paramref name="tensor"/>'s view.</summary>
        public Tensor ReadTensor(PickledTensor tensor)
        {
            var bytes = StorageBytes(tensor.Storage);
            using var scope = NewDisposeScope();
            var flat = empty(new[] { tensor.Storage.Count }, tensor.Storage.Type);
            if (bytes.Length > 0) flat.bytes = bytes;
            var result = empty(tensor.Shape, tensor.Storage.Type);
            if (tensor.ElementCount > 0) result.copy_(flat.as_strided(tensor.Shape, tensor.Stride, tensor.Offset));
            return result.MoveToOuterDisposeScope();
        }

        public void Dispose() => zip?.Dispose();
    }
}
