using System.Linq;

namespace DeepCoro.Runtime.IO.Torch
{
    /// <summary>
    /// A tensor as a torch.save pickle describes it: a strided view (offset, shape, strides, in elements) into a
    /// storage. No data is read until <see cref="TorchFile.ReadTensor"/>.
    /// </summary>
    public sealed record PickledTensor(TorchStorage Storage, long Offset, long[] Shape, long[] Stride)
    {
        public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

        public string ShapeText => "[" + string.Join(", ", Shape) + "]";
    }
}
