using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using DeepCoro.Runtime.Telemetry;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Writes TensorBoard event files: TFRecord framing (u64 length, masked CRC32C of the length, the bytes,
    /// masked CRC32C of the bytes) around hand-encoded Event protos (wall_time, step, file_version or a
    /// Summary of scalar values or of HistogramProtos). Only the fields TensorBoard reads for them are written.
    /// </summary>
    public sealed class TensorBoardWriter : IDisposable
    {
        private readonly FileStream stream;

        public TensorBoardWriter(string directory)
        {
            Directory.CreateDirectory(directory);
            var name = $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}.{Guid.NewGuid().ToString("N")[..6]}";
            stream = new FileStream(Path.Combine(directory, name), FileMode.CreateNew, FileAccess.Write);
            var ev = new List<byte>();
            Header(ev, 0);
            Bytes(ev, 3, Encoding.UTF8.GetBytes("brain.Event:2"));
            Record(ev.ToArray());
        }

        public void Scalars(long step, IEnumerable<KeyValuePair<string, double>> values)
        {
            var summary = new List<byte>();
            foreach (var (tag, value) in values)
            {
                if (!double.IsFinite(value)) continue;
                var v = new List<byte>();
                Bytes(v, 1, Encoding.UTF8.GetBytes(tag));
                v.Add((2 << 3) | 5);                                  // simple_value: float, fixed32
                v.AddRange(BitConverter.GetBytes((float)value));
                Bytes(summary, 1, v.ToArray());
            }
            var ev = new List<byte>();
            Header(ev, step);
            Bytes(ev, 5, summary.ToArray());
            Record(ev.ToArray());
            stream.Flush();
        }

        /// <summary>One event with a histogram per tag (Summary.Value.histo, a HistogramProto).</summary>
        public void Histograms(long step, IEnumerable<(string Tag, Histogram Histogram)> histograms)
        {
            var summary = new List<byte>();
            foreach (var (tag, h) in histograms)
            {
                var proto = new List<byte>();
                Double(proto, 1, h.Min);
                Double(proto, 2, h.Max);
                Double(proto, 3, h.Count);
                Double(proto, 4, h.Sum);
                Double(proto, 5, h.SumSquares);
                Bytes(proto, 6, Packed(h.BucketLimits));
                Bytes(proto, 7, Packed(h.BucketCounts));
                var v = new List<byte>();
                Bytes(v, 1, Encoding.UTF8.GetBytes(tag));
                Bytes(v, 5, proto.ToArray());
                Bytes(summary, 1, v.ToArray());
            }
            if (summary.Count == 0) return;
            var ev = new List<byte>();
            Header(ev, step);
            Bytes(ev, 5, summary.ToArray());
            Record(ev.ToArray());
            stream.Flush();
        }

        private static void Double(List<byte> buffer, int field, double value)
        {
            buffer.Add((byte)((field << 3) | 1));                     // fixed64
            buffer.AddRange(BitConverter.GetBytes(value));
        }

        /// <summary>A packed repeated double field's payload.</summary>
        private static byte[] Packed(double[] values)
        {
            var bytes = new byte[values.Length * 8];
            for (var i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), values[i]);
            return bytes;
        }

        private static void Header(List<byte> ev, long step)
        {
            ev.Add((1 << 3) | 1);                                     // wall_time: double, fixed64
            ev.AddRange(BitConverter.GetBytes(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0));
            ev.Add(2 << 3);                                           // step: int64, varint
            Varint(ev, (ulong)step);
        }

        private static void Bytes(List<byte> buffer, int field, byte[] data)
        {
            buffer.Add((byte)((field << 3) | 2));                     // length-delimited
            Varint(buffer, (ulong)data.Length);
            buffer.AddRange(data);
        }

        private static void Varint(List<byte> buffer, ulong value)
        {
            while (value >= 0x80) { buffer.Add((byte)(value | 0x80)); value >>= 7; }
            buffer.Add((byte)value);
        }

        private void Record(byte[] data)
        {
            var length = BitConverter.GetBytes((ulong)data.Length);
            stream.Write(length);
            stream.Write(BitConverter.GetBytes(Crc32C.Masked(length)));
            stream.Write(data);
            stream.Write(BitConverter.GetBytes(Crc32C.Masked(data)));
        }

        public void Dispose() => stream.Dispose();
    }

}
