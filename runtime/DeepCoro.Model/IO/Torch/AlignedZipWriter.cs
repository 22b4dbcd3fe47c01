using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// Writes a zip archive as PyTorch's stream writer (miniz) does: entries stored uncompressed under one folder,
    /// each one's data starting on a 64-byte boundary (an extra field "FB" of 'Z' bytes pads its local header, so
    /// storages can be mapped in place), the CRC and sizes in a data descriptor after the data (none for an empty
    /// entry), no timestamps, and zip64 end records. The archive stops short of 4 GiB (no zip64 entry fields).
    /// </summary>
    internal sealed class AlignedZipWriter
    {
        private const int Alignment = 64;
        private const ushort Utf8Names = 0x0800, DataDescriptor = 0x0008;
        private const int LocalHeaderSize = 30, DataDescriptorSize = 16;
        private static readonly uint[] CrcTable = MakeCrcTable();

        private readonly BinaryWriter output;
        private readonly string folder;
        private readonly string path;
        private readonly List<Entry> written = new();
        private Entry? open;

        /// <summary>An entry: its full name, size, where its local header starts, and its data so far.</summary>
        private sealed class Entry(byte[] name, long size, long offset)
        {
            public byte[] Name { get; } = name;
            public long Size { get; } = size;
            public long Offset { get; } = offset;
            public long Written { get; set; }
            public uint CrcRegister { get; set; } = 0xffffffffu;
            public uint Crc => ~CrcRegister;

            /// <summary>miniz puts the CRC and sizes in a data descriptor after the data, if there is data.</summary>
            public ushort Flags => Size > 0 ? (ushort)(Utf8Names | DataDescriptor) : Utf8Names;
        }

        /// <summary>Entries FOLDER/NAME go to <paramref name="stream"/>;
        /// errors name <paramref name="path"/>.</summary>
        public AlignedZipWriter(Stream stream, string folder, string path)
        {
            output = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            this.folder = folder;
            this.path = path;
        }

        public void Add(string name, ReadOnlySpan<byte> data)
        {
            Begin(name, data.Length);
            Write(data);
            End();
        }

        /// <summary>Starts an entry of <paramref name="size"/> bytes, which <see cref="Write"/> calls give.</summary>
        public void Begin(string name, long size)
        {
            if (open is not null) throw new InvalidOperationException($"{name} begun before {Encoding.UTF8.GetString(open.Name)} ended");
            var entry = new Entry(Encoding.UTF8.GetBytes($"{folder}/{name}"), size, output.BaseStream.Position);
            var dataStart = entry.Offset + LocalHeaderSize + entry.Name.Length + 4;
            if (dataStart + size + DataDescriptorSize >= uint.MaxValue)
            {
                throw new TorchFileException(
                    $"{path}: {name} of {size} bytes takes the archive past 4 GiB, which this .pt writer does not write " +
                    "(no zip64 entries); write .safetensors instead");
            }

            var padding = (int)((Alignment - dataStart % Alignment) % Alignment);
            output.Write(0x04034b50u);
            output.Write((ushort)0);              // version needed, as miniz writes it
            output.Write(entry.Flags);
            output.Write((ushort)0);              // stored
            output.Write(0u);                     // time and date
            output.Write(0u);                     // CRC and sizes: in the data descriptor (0 for no data)
            output.Write(0u);
            output.Write(0u);
            output.Write((ushort)entry.Name.Length);
            output.Write((ushort)(4 + padding));
            output.Write(entry.Name);
            output.Write("FB"u8);
            output.Write((ushort)padding);
            for (var i = 0; i < padding; i++) output.Write((byte)'Z');
            open = entry;
        }

        public void Write(ReadOnlySpan<byte> data)
        {
            var entry = open ?? throw new InvalidOperationException("no entry is open");
            var crc = entry.CrcRegister;
            foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
            entry.CrcRegister = crc;
            entry.Written += data.Length;
            output.Write(data);
        }

        public void End()
        {
            var entry = open ?? throw new InvalidOperationException("no entry is open");
            if (entry.Written != entry.Size)
                throw new InvalidOperationException($"{Encoding.UTF8.GetString(entry.Name)}: {entry.Written} of {entry.Size} bytes");
            open = null;
            if (entry.Size > 0)
            {
                output.Write(0x08074b50u);
                output.Write(entry.Crc);
                output.Write((uint)entry.Size);
                output.Write((uint)entry.Size);
            }
            written.Add(entry);
        }

        /// <summary>The central directory, then the zip64 end record, its locator and the end record.</summary>
        public void Finish()
        {
            var directory = output.BaseStream.Position;
            foreach (var entry in written)
            {
                output.Write(0x02014b50u);
                output.Write((ushort)0);          // made by
                output.Write((ushort)0);          // version needed
                output.Write(entry.Flags);
                output.Write((ushort)0);          // stored
                output.Write(0u);                 // time and date
                output.Write(entry.Crc);
                output.Write((uint)entry.Size);
                output.Write((uint)entry.Size);
                output.Write((ushort)entry.Name.Length);
                output.Write((ushort)0);          // extra field
                output.Write((ushort)0);          // comment
                output.Write((ushort)0);          // disk
                output.Write((ushort)0);          // internal attributes
                output.Write(0u);                 // external attributes
                output.Write((uint)entry.Offset);
                output.Write(entry.Name);
            }
            var end = output.BaseStream.Position;
            output.Write(0x06064b50u);
            output.Write(44ul);                   // the size of the rest of this record
            output.Write((ushort)0x031e);         // made by: Unix, zip 3.0
            output.Write((ushort)0x002d);         // version needed: 4.5, zip64
            output.Write(0u);
            output.Write(0u);
            output.Write((ulong)written.Count);
            output.Write((ulong)written.Count);
            output.Write((ulong)(end - directory));
            output.Write((ulong)directory);
            output.Write(0x07064b50u);
            output.Write(0u);
            output.Write((ulong)end);
            output.Write(1u);                     // disks
            output.Write(0x06054b50u);
            output.Write((ushort)0);
            output.Write((ushort)0);
            output.Write((ushort)written.Count);
            output.Write((ushort)written.Count);
            output.Write((uint)(end - directory));
            output.Write((uint)directory);
            output.Write((ushort)0);              // comment
            output.Flush();
        }

        private static uint[] MakeCrcTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }
    }
}
