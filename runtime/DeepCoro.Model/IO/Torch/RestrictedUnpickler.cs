using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// Reads a pickle (protocols 0 to 5) into plain values without importing or calling anything. A pickle names
    /// the classes and functions it wants called (its globals); only the few that torch.save writes for tensors
    /// and containers are accepted, each rebuilt by this class itself, and any other is refused at the opcode
    /// that names it, before a value could be built from it.
    /// Values: null (None), bool, long or BigInteger, double, string, byte[], object?[] (tuple), List (list),
    /// HashSet (set), <see cref="PickledDict"/> (dict, OrderedDict), <see cref="PickledTensor"/>.
    /// </summary>
    internal sealed class RestrictedUnpickler
    {
        private enum Rebuild
        {
            OrderedDict, Set, Bytes, Size, TensorV1, TensorV2, Parameter, ParameterWithState, FromType, TensorClass,
            StorageClass,
        }

        /// <summary>An accepted global: what it rebuilds and its Python name.</summary>
        private sealed record Global(Rebuild Kind, string Name);

        /// <summary>Every global a torch.save pickle of tensors, state_dicts and plain values names.</summary>
        private static readonly IReadOnlyDictionary<string, Rebuild> Accepted = new Dictionary<string, Rebuild>
        {
            ["collections.OrderedDict"] = Rebuild.OrderedDict,
            ["builtins.set"] = Rebuild.Set,
            ["__builtin__.set"] = Rebuild.Set,
            ["builtins.frozenset"] = Rebuild.Set,
            ["__builtin__.frozenset"] = Rebuild.Set,
            ["_codecs.encode"] = Rebuild.Bytes,   // protocol 2 writes Python 3 bytes as encode(text, 'latin1')
            ["torch.Size"] = Rebuild.Size,
            ["torch._utils._rebuild_tensor"] = Rebuild.TensorV1,
            ["torch._utils._rebuild_tensor_v2"] = Rebuild.TensorV2,
            ["torch._utils._rebuild_parameter"] = Rebuild.Parameter,
            ["torch._utils._rebuild_parameter_with_state"] = Rebuild.ParameterWithState,
            ["torch._tensor._rebuild_from_type_v2"] = Rebuild.FromType,
            // the type _rebuild_from_type_v2 restores, a plain tensor, under both its names
            ["torch.Tensor"] = Rebuild.TensorClass,
            ["torch._tensor.Tensor"] = Rebuild.TensorClass,
        };

        private const int HighestProtocol = 5;

        private readonly byte[] data;
        private readonly string source;
        private readonly List<object?> stack = new();
        private readonly Stack<int> marks = new();
        private readonly Dictionary<long, object?> memo = new();
        private readonly Dictionary<string, TorchStorage> storages;
        private int pos;

        private RestrictedUnpickler(byte[] data, int start, string source, Dictionary<string, TorchStorage> storages)
        {
            this.data = data;
            this.source = source;
            this.storages = storages;
            pos = start;
        }

        /// <summary>
        /// Reads one pickle from <paramref name="data"/> at <paramref name="start"/>; returns its value and where it
        /// ended. Storages met in persistent ids are added to <paramref name="storages"/> by key.
        /// </summary>
        public static (object? Value, int End) Read(byte[] data, int start, string source, Dictionary<string, TorchStorage> storages)
        {
            var unpickler = new RestrictedUnpickler(data, start, source, storages);
            var value = unpickler.Run();
            return (value, unpickler.pos);
        }

        private object? Run()
        {
            while (true)
            {
                var at = pos;
                var op = Byte();
                switch (op)
                {
                    case 0x2e: return Pop();                                           // STOP
                    case 0x80:                                                          // PROTO
                        int protocol = Byte();
                        if (protocol > HighestProtocol) throw Corrupt($"pickle protocol {protocol} is newer than {HighestProtocol}");
                        break;
                    case 0x95: Bytes(8); break;                                         // FRAME: frames are transparent
                    case 0x28: marks.Push(stack.Count); break;                          // MARK
                    case 0x30:                                                          // POP
                        if (stack.Count > FrameBase) stack.RemoveAt(stack.Count - 1);
                        else PopMark();
                        break;
                    case 0x31: PopMark(); break;                                        // POP_MARK
                    case 0x32: Push(Peek()); break;                                     // DUP

                    case 0x4e: Push(null); break;                                       // NONE
                    case 0x88: Push(true); break;                                       // NEWTRUE
                    case 0x89: Push(false); break;                                      // NEWFALSE
                    case 0x4a: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;   // BININT
                    case 0x4b: Push((long)Byte()); break;                               // BININT1
                    case 0x4d: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break;  // BININT2
                    case 0x8a: Push(LittleEndianInteger(Bytes(Byte()))); break;          // LONG1
                    case 0x8b: Push(LittleEndianInteger(Bytes(Length(4)))); break;       // LONG4
                    case 0x49: Push(TextInteger(Line())); break;                         // INT
                    case 0x4c: Push(TextInteger(Line().TrimEnd('L'))); break;            // LONG
                    case 0x47: Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;           // BINFLOAT
                    case 0x46: Push(TextFloat(Line())); break;                           // FLOAT

                    case 0x58: Push(Utf8(Bytes(Length(4)))); break;                      // BINUNICODE
                    case 0x8c: Push(Utf8(Bytes(Byte()))); break;                         // SHORT_BINUNICODE
                    case 0x8d: Push(Utf8(Bytes(Length(8)))); break;                      // BINUNICODE8
                    case 0x56: Push(RawUnicodeEscape(Line())); break;                    // UNICODE
                    case 0x54: Push(Encoding.Latin1.GetString(Bytes(Length(4)))); break; // BINSTRING (Python 2 str)
                    case 0x55: Push(Encoding.Latin1.GetString(Bytes(Byte()))); break;    // SHORT_BINSTRING
                    case 0x53: Push(QuotedString(Line())); break;                        // STRING
                    case 0x42: Push(Bytes(Length(4)).ToArray()); break;                  // BINBYTES
                    case 0x43: Push(Bytes(Byte()).ToArray()); break;                     // SHORT_BINBYTES
                    case 0x8e: Push(Bytes(Length(8)).ToArray()); break;                  // BINBYTES8
                    case 0x96: Push(Bytes(Length(8)).ToArray()); break;                  // BYTEARRAY8
                    case 0x98: break;                                                    // READONLY_BUFFER

                    case 0x29: Push(Array.Empty<object?>()); break;                      // EMPTY_TUPLE
                    case 0x85: Push(new[] { Pop() }); break;                             // TUPLE1
                    case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }                 // TUPLE2
                    case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                    case 0x74: Push(PopMark().ToArray()); break;                         // TUPLE
                    case 0x5d: Push(new List<object?>()); break;                         // EMPTY_LIST
                    case 0x6c: Push(PopMark()); break;                                   // LIST
                    case 0x61: { var v = Pop(); Target<List<object?>>("APPEND").Add(v); break; }            // APPEND
                    case 0x65: { var items = PopMark(); Target<List<object?>>("APPENDS").AddRange(items); break; } // APPENDS
                    case 0x7d: Push(new PickledDict()); break;                           // EMPTY_DICT
                    case 0x64: { var d = new PickledDict(); SetItems(d, PopMark()); Push(d); break; }         // DICT
                    case 0x73: { var v = Pop(); var k = Pop(); Target<PickledDict>("SETITEM").Set(k, v); break; } // SETITEM
                    case 0x75: { var items = PopMark(); SetItems(Target<PickledDict>("SETITEMS"), items); break; } // SETITEMS
                    case 0x8f: Push(new HashSet<object?>()); break;                      // EMPTY_SET
                    case 0x90: { var items = PopMark(); Target<HashSet<object?>>("ADDITEMS").UnionWith(items); break; } // ADDITEMS
                    case 0x91: Push(new HashSet<object?>(PopMark())); break;             // FROZENSET

                    case 0x70: memo[long.Parse(Line(), CultureInfo.InvariantCulture)] = Peek(); break;  // PUT
                    case 0x71: memo[Byte()] = Peek(); break;                             // BINPUT
                    case 0x72: memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Peek(); break; // LONG_BINPUT
                    case 0x94: memo[memo.Count] = Peek(); break;                         // MEMOIZE
                    case 0x67: Push(Memo(long.Parse(Line(), CultureInfo.InvariantCulture))); break;    // GET
                    case 0x68: Push(Memo(Byte())); break;                                // BINGET
                    case 0x6a: Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break;   // LONG_BINGET

                    case 0x63: Push(Resolve(Line(), Line())); break;                     // GLOBAL
                    case 0x93: { var name = Pop(); var module = Pop(); Push(Resolve(Text(module, "STACK_GLOBAL"), Text(name, "STACK_GLOBAL"))); break; }
                    case 0x69: { var g = Resolve(Line(), Line()); Push(Call(g, PopMark().ToArray())); break; }  // INST
                    case 0x6f: { var items = PopMark(); if (items.Count == 0) throw Corrupt("OBJ without a class"); Push(Call(items[0], items.Skip(1).ToArray())); break; } // OBJ
                    case 0x52: { var args = Pop(); var f = Pop(); Push(Call(f, Tuple(args, "REDUCE"))); break; }  // REDUCE
                    case 0x81: { var args = Pop(); var cls = Pop(); Push(Call(cls, Tuple(args, "NEWOBJ"))); break; } // NEWOBJ
                    case 0x92:                                                           // NEWOBJ_EX
                        {
                            var kwargs = Pop();
                            var args = Pop();
                            var cls = Pop();
                            if (kwargs is not PickledDict { Count: 0 }) throw Corrupt("NEWOBJ_EX with keyword arguments");
                            Push(Call(cls, Tuple(args, "NEWOBJ_EX")));
                            break;
                        }
                    case 0x62: Build(); break;                                           // BUILD
                    case 0x51: Push(Storage(Pop())); break;                              // BINPERSID
                    case 0x50: Push(Storage(Line())); break;                             // PERSID
                    case 0x82 or 0x83 or 0x84:                                           // EXT1, EXT2, EXT4
                        throw Corrupt("names a class by an extension-registry code (copyreg.add_extension), which is never read");
                    case 0x97: throw Corrupt("refers to an out-of-band buffer, which torch.save never writes");   // NEXT_BUFFER
                    default: throw Corrupt($"unknown pickle opcode 0x{op:x2} at byte {at}");
                }
            }
        }

        private TorchFileException Corrupt(string what) => new($"{source}: corrupt or not a torch.save pickle: {what}");

        private int FrameBase => marks.Count > 0 ? marks.Peek() : 0;

        private void Push(object? value) => stack.Add(value);

        private object? Pop()
        {
            if (stack.Count <= FrameBase) throw Corrupt($"stack underflow at byte {pos - 1}");
            var value = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return value;
        }

        private object? Peek()
        {
            if (stack.Count <= FrameBase) throw Corrupt($"stack underflow at byte {pos - 1}");
            return stack[^1];
        }

        private List<object?> PopMark()
        {
            if (marks.Count == 0) throw Corrupt($"no MARK before byte {pos - 1}");
            var start = marks.Pop();
            var items = stack.GetRange(start, stack.Count - start);
            stack.RemoveRange(start, stack.Count - start);
            return items;
        }

        private T Target<T>(string opcode) where T : class =>
            Peek() as T ?? throw Corrupt($"{opcode} on a {Describe(stack[^1])}");

        private object? Memo(long key) =>
            memo.TryGetValue(key, out var value) ? value : throw Corrupt($"memo entry {key} read before it was written");

        private static void SetItems(PickledDict dict, List<object?> items)
        {
            for (var i = 0; i + 1 < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        }

        private byte Byte()
        {
            if (pos >= data.Length) throw Truncated();
            return data[pos++];
        }

        private ReadOnlySpan<byte> Bytes(long count)
        {
            if (count < 0 || count > data.Length - pos) throw Truncated();
            var span = data.AsSpan(pos, (int)count);
            pos += (int)count;
            return span;
        }

        private long Length(int size)
        {
            var bytes = Bytes(size);
            return size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes);
        }

        private TorchFileException Truncated() => new($"{source}: truncated or corrupt: the pickle ends at byte {data.Length} inside an opcode");

        private string Line()
        {
            var end = Array.IndexOf(data, (byte)'\n', pos);
            if (end < 0) throw Truncated();
            var text = Encoding.Latin1.GetString(data, pos, end - pos);
            pos = end + 1;
            return text;
        }

        private string Utf8(ReadOnlySpan<byte> bytes)
        {
            try { return new UTF8Encoding(false, true).GetString(bytes); }
            catch (DecoderFallbackException) { throw Corrupt($"a string before byte {pos} is not UTF-8"); }
        }

        private static object LittleEndianInteger(ReadOnlySpan<byte> bytes)
        {
            var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
            return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
        }

        private object TextInteger(string text)
        {
            if (text == "01") return true;    // protocol 0 writes True and False as INT 01 / 00
            if (text == "00") return false;
            return BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? (value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value)
                : throw Corrupt($"'{text}' is not an integer");
        }

        private double TextFloat(string text) => text switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            "nan" => double.NaN,
            _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Corrupt($"'{text}' is not a float"),
        };

        /// <summary>Protocol 0's UNICODE: Latin-1 text with \uXXXX and \UXXXXXXXX escapes.</summary>
        private string RawUnicodeEscape(string text)
        {
            var result = new StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                var digits = text[i] == '\\' && i + 1 < text.Length ? text[i + 1] switch { 'u' => 4, 'U' => 8, _ => 0 } : 0;
                if (digits == 0 || i + 2 + digits > text.Length) { result.Append(text[i]); continue; }
                if (!int.TryParse(text.AsSpan(i + 2, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    throw Corrupt($"bad escape in '{text}'");
                result.Append(char.ConvertFromUtf32(code));
                i += 1 + digits;
            }
            return result.ToString();
        }

        /// <summary>Protocol 0's STRING: a quoted Python 2 string literal with backslash escapes.</summary>
        private string QuotedString(string text)
        {
            if (text.Length < 2 || text[0] != text[^1] || (text[0] != '\'' && text[0] != '"')) throw Corrupt($"STRING {text} is not quoted");
            var body = text[1..^1];
            var result = new StringBuilder();
            for (var i = 0; i < body.Length; i++)
            {
                if (body[i] != '\\' || i + 1 == body.Length) { result.Append(body[i]); continue; }
                var e = body[++i];
                if (e == 'x' && i + 2 < body.Length && int.TryParse(body.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
                {
                    result.Append((char)hex);
                    i += 2;
                    continue;
                }
                result.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => e });
            }
            return result.ToString();
        }

        private string Text(object? value, string opcode) => value as string ?? throw Corrupt($"{opcode} with a {Describe(value)} for a name");

        private object?[] Tuple(object? value, string opcode) => value as object?[] ?? throw Corrupt($"{opcode} with a {Describe(value)} for its arguments");

        private static string Describe(object? value) => value switch
        {
            null => "None",
            object?[] => "tuple",
            List<object?> => "list",
            PickledDict => "dict",
            HashSet<object?> => "set",
            PickledTensor => "tensor",
            TorchStorage => "storage",
            Global g => g.Name,
            string => "string",
            byte[] => "bytes",
            _ => value.GetType().Name.ToLowerInvariant(),
        };

        /// <summary>
        /// The one gate: a name on the list becomes a marker that <see cref="Call"/> rebuilds; any other is refused
        /// here, so nothing is ever built from it.
        /// </summary>
        private Global Resolve(string module, string name)
        {
            var full = module + "." + name;
            if (Accepted.TryGetValue(full, out var kind)) return new Global(kind, full);
            if (module == "torch" && TorchStorage.Classes.ContainsKey(name)) return new Global(Rebuild.StorageClass, full);
            throw new TorchFileException(
                $"{source}: refused: the pickle names '{full}', which is neither a tensor nor a plain container (loading it in Python " +
                "would import and call it); only tensors, state_dicts and dict, list, tuple, number and string values are read");
        }

        private object? Call(object? callable, object?[] args)
        {
            if (callable is not Global g) throw Corrupt($"calls a {Describe(callable)}");
            switch (g.Kind)
            {
                case Rebuild.OrderedDict:
                    var dict = new PickledDict();
                    if (args.Length == 1 && args[0] is IEnumerable<object?> pairs)
                    {
                        foreach (var pair in pairs)
                        {
                            var kv = pair as object?[] ?? (pair as List<object?>)?.ToArray();
                            if (kv is not { Length: 2 }) throw Corrupt($"OrderedDict built from a {Describe(pair)}, not a (key, value) pair");
                            dict.Set(kv[0], kv[1]);
                        }
                    }
                    else if (args.Length != 0)
                    {
                        throw Corrupt($"OrderedDict called with {args.Length} arguments");
                    }

                    return dict;
                case Rebuild.Set:
                    return args.Length == 0 ? new HashSet<object?>()
                        : args[0] is IEnumerable<object?> items ? new HashSet<object?>(items) : throw Corrupt($"a set built from a {Describe(args[0])}");
                case Rebuild.Bytes:
                    if (args is [string text, string encoding] && encoding.Replace("-", "") == "latin1") return Encoding.Latin1.GetBytes(text);
                    throw Corrupt("_codecs.encode called other than as protocol 2 writes bytes (text, 'latin1')");
                case Rebuild.Size:
                    return args is [object?[] dims] ? dims : throw Corrupt("torch.Size called without a tuple");
                case Rebuild.TensorV1 when args.Length == 4:
                case Rebuild.TensorV2 when args.Length is 6 or 7:   // requires_grad, backward hooks, metadata: not data
                    return Tensor(args[0], args[1], args[2], args[3]);
                case Rebuild.Parameter when args.Length == 3:
                case Rebuild.ParameterWithState when args.Length == 4:
                    return args[0] as PickledTensor ?? throw Corrupt($"{g.Name} of a {Describe(args[0])}");
                case Rebuild.FromType when args is [Global { Kind: Rebuild.TensorV1 or Rebuild.TensorV2 } f, Global { Kind: Rebuild.TensorClass }, object?[] inner, _]:
                    return Call(f, inner);
                default:
                    throw Corrupt($"{g.Name} called with {args.Length} arguments ({string.Join(", ", args.Select(Describe))})");
            }
        }

        private void Build()
        {
            Pop();
            // The state of an OrderedDict is its attributes (a state_dict's _metadata of module versions): not data.
            if (Peek() is not PickledDict) throw Corrupt($"BUILD on a {Describe(stack[^1])}");
        }

        /// <summary>torch.save's persistent id: ('storage', torch.XStorage, key, location, count[, view]).</summary>
        private TorchStorage Storage(object? pid)
        {
            if (pid is not object?[] { Length: 5 or 6 } id || id[0] as string != "storage")
                throw Corrupt($"a persistent id ({Describe(pid)}) that is not a torch storage reference");
            if (id[1] is not Global { Kind: Rebuild.StorageClass } type) throw Corrupt($"a storage of type {Describe(id[1])}");
            if (id[2] is not string key || id[4] is not long count || count < 0) throw Corrupt("a storage reference without a key or an element count");
            if (id.Length == 6 && id[5] is not null) throw Corrupt($"storage {key} is a view of another storage (PyTorch before 0.4), which is not read");
            var (scalar, size) = TorchStorage.Classes[type.Name["torch.".Length..]];
            var storage = new TorchStorage(key, scalar, size, count);
            if (!storages.TryGetValue(key, out var seen)) storages[key] = storage;
            else if (seen != storage) throw Corrupt($"storage {key} is referenced as {seen.Type} x {seen.Count} and as {scalar} x {count}");
            return storages[key];
        }

        private PickledTensor Tensor(object? storage, object? offset, object? size, object? stride)
        {
            if (storage is not TorchStorage s) throw Corrupt($"a tensor over a {Describe(storage)}, not a storage");
            var shape = Dims(size, "size");
            var strides = Dims(stride, "stride");
            if (offset is not long start || start < 0 || shape.Length != strides.Length || shape.Any(d => d < 0) || strides.Any(d => d < 0))
                throw Corrupt($"tensor over storage {s.Key} with offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", strides)}]");
            var tensor = new PickledTensor(s, start, shape, strides);
            if (tensor.ElementCount > 0)
            {
                var last = start + shape.Zip(strides, (d, st) => (d - 1) * st).Sum();
                if (last >= s.Count)
                    throw Corrupt($"a tensor {tensor.ShapeText} reaches element {last} of storage {s.Key}, which holds {s.Count}");
            }
            return tensor;
        }

        private long[] Dims(object? value, string what)
        {
            if (value is not object?[] items || items.Any(i => i is not long)) throw Corrupt($"a tensor {what} that is a {Describe(value)}, not a tuple of integers");
            return items.Select(i => (long)i!).ToArray();
        }
    }
}
