using System.Collections.Generic;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// One storage of a torch.save file: its key (the archive entry data/KEY, or the legacy format's storage id),
    /// element type and element count. Tensors are views into storages.
    /// </summary>
    public sealed record TorchStorage(string Key, ScalarType Type, int ElementSize, long Count)
    {
        public long ByteCount => Count * ElementSize;

        /// <summary>The storage classes a pickle may name (torch.FloatStorage, ...), with what they hold.</summary>
        internal static readonly IReadOnlyDictionary<string, (ScalarType Type, int Size)> Classes = new Dictionary<string, (ScalarType, int)>
        {
            ["FloatStorage"] = (ScalarType.Float32, 4),
            ["HalfStorage"] = (ScalarType.Float16, 2),
            ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
            ["DoubleStorage"] = (ScalarType.Float64, 8),
            ["LongStorage"] = (ScalarType.Int64, 8),
            ["IntStorage"] = (ScalarType.Int32, 4),
            ["ShortStorage"] = (ScalarType.Int16, 2),
            ["CharStorage"] = (ScalarType.Int8, 1),
            ["ByteStorage"] = (ScalarType.Byte, 1),
            ["BoolStorage"] = (ScalarType.Bool, 1),
        };
    }
}
