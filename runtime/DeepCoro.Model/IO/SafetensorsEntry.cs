using static TorchSharp.torch;

namespace DeepCoro.Runtime.IO
{
    /// <summary>One tensor's header entry: its dtype, shape and byte range within the data section.</summary>
    public sealed record SafetensorsEntry(string Key, string DType, ScalarType Type, long[] Shape, long Begin, long End);
}
