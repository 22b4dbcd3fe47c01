using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// Pickles a value as torch.save does (protocol 2, Python's C pickler): every string, list, dict, tuple and global
    /// is put in the memo, lists and dicts go in batches of 1000, and only what torch.save reuses is fetched back
    /// (globals, and the strings 'storage' and 'cpu' of its storage references), so a value PyTorch loads and saves
    /// again pickles to these very bytes (unless it holds a one-character string twice: Python shares those).
    /// Values: null, bool, int, long, float, double, string, <see cref="PickledDict"/> (a dict, in insertion order),
    /// any other read-only list of references (a list), and float32 or int64 tensors, each over a storage of its own
    /// named data/0, data/1, ... in order.
    /// </summary>
    internal sealed class TorchPickler
    {
        private const byte Proto = 0x80, Stop = 0x2e, Mark = 0x28, None = 0x4e, NewTrue = 0x88, NewFalse = 0x89;
        private const byte BinInt1 = 0x4b, BinInt2 = 0x4d, BinInt = 0x4a, Long1 = 0x8a, BinFloat = 0x47, BinUnicode = 0x58;
        private const byte EmptyList = 0x5d, Append = 0x61, Appends = 0x65, EmptyDict = 0x7d, SetItem = 0x73, SetItems = 0x75;
        private const byte EmptyTuple = 0x29, Tuple1 = 0x85, TupleMark = 0x74, Global = 0x63, Reduce = 0x52, BinPersId = 0x51;
        private const byte BinPut = 0x71, LongBinPut = 0x72, BinGet = 0x68, LongBinGet = 0x6a;
        private const int Batch = 1000;

        private readonly MemoryStream output = new();
        private readonly List<Tensor> storages = new();
        private readonly Dictionary<string, int> reused = new();   // what torch.save writes once, by memo index
        private int memo;

        private TorchPickler() { }

        /// <summary>
        /// The pickle of <paramref name="value"/> and the storages its tensors name: contiguous CPU tensors, data/0
        /// first (new tensors, in the caller's dispose scope).
        /// </summary>
        public static (byte[] Pickle, IReadOnlyList<Tensor> Storages) Pickle(object? value)
        {
            var pickler = new TorchPickler();
            pickler.Op(Proto);
            pickler.Op(2);
            pickler.Save(value);
            pickler.Op(Stop);
            return (pickler.output.ToArray(), pickler.storages);
        }

        private void Save(object? value)
        {
            switch (value)
            {
                case null: Op(None); break;
                case bool b: Op(b ? NewTrue : NewFalse); break;
                case int i: Integer(i); break;
                case long l: Integer(l); break;
                case float f: Float(f); break;
                case double d: Float(d); break;
                case string s: Text(s); break;
                case PickledDict d: Dict(d); break;
                case Tensor t: SaveTensor(t); break;
                case IReadOnlyList<object?> list: List(list); break;
                default:
                    throw new ArgumentException(
                        "a .pt file is written with None, bool, int, float, str, list, dict and float32 or int64 tensors, " +
                        $"not a {value.GetType().Name}");
            }
        }

        private void Op(byte code) => output.WriteByte(code);

        private void Bytes(ReadOnlySpan<byte> bytes) => output.Write(bytes);

        /// <summary>The memo index Python gives the object just written.</summary>
        private void Put()
        {
            MemoOp(BinPut, LongBinPut, memo);
            memo++;
        }

        private void MemoOp(byte shortCode, byte longCode, int index)
        {
            if (index < 256)
            {
                Op(shortCode);
                Op((byte)index);
            }
            else
            {
                Op(longCode);
                Span<byte> bytes = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(bytes, index);
                Bytes(bytes);
            }
        }

        /// <summary>Writes what <paramref name="key"/> names the first time, then fetches it from the memo.</summary>
        private void Reused(string key, Action write)
        {
            if (reused.TryGetValue(key, out var index))
            {
                MemoOp(BinGet, LongBinGet, index);
                return;
            }
            write();
            reused[key] = memo - 1;
        }

        private void Integer(long value)
        {
            Span<byte> bytes = stackalloc byte[4];
            if (value is >= 0 and <= byte.MaxValue)
            {
                Op(BinInt1);
                Op((byte)value);
            }
            else if (value is >= 0 and <= ushort.MaxValue)
            {
                Op(BinInt2);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
                Bytes(bytes[..2]);
            }
            else if (value is >= int.MinValue and <= int.MaxValue)
            {
                Op(BinInt);
                BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
                Bytes(bytes);
            }
            else
            {
                // the fewest little-endian two's complement bytes, as Python's encode_long
                var twosComplement = new BigInteger(value).ToByteArray();
                Op(Long1);
                Op((byte)twosComplement.Length);
                Bytes(twosComplement);
            }
        }

        private void Float(double value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
            Op(BinFloat);
            Bytes(bytes);
        }

        private void Text(string text)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
            Op(BinUnicode);
            Bytes(length);
            Bytes(utf8);
            Put();
        }

        private void GlobalName(string module, string name) =>
            Reused($"{module}.{name}", () =>
            {
                Op(Global);
                Bytes(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
                Put();
            });

        /// <summary>A tuple of integers (sizes, strides): TUPLE1 to TUPLE3, or MARK ... TUPLE beyond 3.</summary>
        private void IntegerTuple(long[] items)
        {
            if (items.Length == 0)
            {
                Op(EmptyTuple);
                return;
            }
            if (items.Length > 3) Op(Mark);
            foreach (var item in items) Integer(item);
            Op(items.Length > 3 ? TupleMark : (byte)(Tuple1 + items.Length - 1));
            Put();
        }

        /// <summary>One item: APPEND; more: MARK ... APPENDS per batch of 1000 (the last one maybe of one).</summary>
        private void List(IReadOnlyList<object?> list)
        {
            Op(EmptyList);
            Put();
            if (list.Count == 1)
            {
                Save(list[0]);
                Op(Append);
                return;
            }
            for (var start = 0; start < list.Count; start += Batch)
            {
                Op(Mark);
                for (var i = start; i < Math.Min(start + Batch, list.Count); i++) Save(list[i]);
                Op(Appends);
            }
        }

        /// <summary>One entry: SETITEM; more: MARK ... SETITEMS per
        /// batch (and an empty one after a full one).</summary>
        private void Dict(PickledDict dict)
        {
            Op(EmptyDict);
            Put();
            if (dict.Count == 0) return;
            if (dict.Count == 1)
            {
                Save(dict.Entries[0].Key);
                Save(dict.Entries[0].Value);
                Op(SetItem);
                return;
            }
            int start = 0, written;
            do
            {
                Op(Mark);
                written = Math.Min(Batch, dict.Count - start);
                foreach (var (key, value) in dict.Entries.Skip(start).Take(written))
                {
                    Save(key);
                    Save(value);
                }
                Op(SetItems);
                start += written;
            }
            while (written == Batch);
        }

        /// <summary>
        /// torch._utils._rebuild_tensor_v2(storage, offset 0, size, contiguous strides, requires_grad False, no
        /// backward hooks), the storage named by torch.save's persistent id ('storage', class, key, 'cpu', count).
        /// </summary>
        private void SaveTensor(Tensor tensor)
        {
            var storageClass = tensor.dtype switch
            {
                ScalarType.Float32 => "FloatStorage",
                ScalarType.Int64 => "LongStorage",
                var other => throw new ArgumentException($"a .pt file is written with float32 or int64 tensors, not {other}: convert it"),
            };
            var shape = tensor.shape;
            var storage = tensor.detach().cpu().contiguous();
            var key = storages.Count.ToString(CultureInfo.InvariantCulture);
            storages.Add(storage);

            GlobalName("torch._utils", "_rebuild_tensor_v2");
            Op(Mark);
            Op(Mark);
            Reused("'storage'", () => Text("storage"));
            GlobalName("torch", storageClass);
            Text(key);
            Reused("'cpu'", () => Text("cpu"));
            Integer(storage.numel());
            Op(TupleMark);
            Put();
            Op(BinPersId);
            Integer(0);
            IntegerTuple(shape);
            IntegerTuple(ContiguousStrides(shape));
            Op(NewFalse);
            GlobalName("collections", "OrderedDict");
            Op(EmptyTuple);
            Op(Reduce);
            Put();
            Op(TupleMark);
            Put();
            Op(Reduce);
            Put();
        }

        /// <summary>Row-major strides as PyTorch gives them: a dimension of size 0 counts as 1.</summary>
        private static long[] ContiguousStrides(long[] shape)
        {
            var strides = new long[shape.Length];
            long step = 1;
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                strides[d] = step;
                step *= Math.Max(shape[d], 1);
            }
            return strides;
        }
    }
}
