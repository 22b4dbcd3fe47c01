using System;
using System.Text;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// Writes a .pt file as torch.save (PyTorch 2.1 and later) writes one to a stream: the zip layout
    /// (archive/data.pkl, archive/byteorder, the storages as archive/data/N, archive/version), the pickle of plain
    /// values and float32 or int64 tensors made by <see cref="TorchPickler"/>. torch.load reads it (weights_only too:
    /// it names nothing but the tensor rebuild), and so does <see cref="TorchFile"/>. Atomic: readers see the old file
    /// or the whole new one.
    /// </summary>
    public static class TorchFileWriter
    {
        /// <summary>The folder torch.save puts its entries in when it writes to a stream, not a named file.</summary>
        private const string Folder = "archive";

        /// <summary>The format version PyTorch's stream writer records for torch.save files.</summary>
        private static ReadOnlySpan<byte> FormatVersion => "3\n"u8;

        /// <summary>Storages are copied out of the tensors in chunks of this many bytes.</summary>
        private const long ChunkBytes = 1 << 20;

        /// <summary>
        /// Writes <paramref name="value"/>: null, bool, int, long, float, double, string, a <see cref="PickledDict"/>
        /// (a dict in insertion order), any other read-only list of references (a list) and float32 or int64 tensors.
        /// </summary>
        public static void Save(string path, object? value)
        {
            using var scope = NewDisposeScope();
            var (pickle, storages) = TorchPickler.Pickle(value);
            AtomicFile.Write(path, stream =>
            {
                var zip = new AlignedZipWriter(stream, Folder, path);
                zip.Add("data.pkl", pickle);
                zip.Add("byteorder", Encoding.ASCII.GetBytes(BitConverter.IsLittleEndian ? "little" : "big"));
                for (var key = 0; key < storages.Count; key++)
                {
                    var flat = storages[key].flatten();
                    zip.Begin($"data/{key}", flat.numel() * flat.ElementSize);
                    var chunk = ChunkBytes / flat.ElementSize;
                    for (long start = 0; start < flat.numel(); start += chunk)
                    {
                        using var part = flat.narrow(0, start, Math.Min(chunk, flat.numel() - start));
                        zip.Write(part.bytes);
                    }
                    zip.End();
                }
                zip.Add("version", FormatVersion);
                zip.Finish();
            });
        }
    }
}
