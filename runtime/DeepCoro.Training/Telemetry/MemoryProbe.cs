using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Telemetry
{
    /// <summary>
    /// Memory per epoch: the process's peak resident set (VmHWM, reset at each epoch's start) and, on CUDA, the
    /// device memory in use (total - free from the CUDA runtime that libtorch loaded: TorchSharp 0.107 has no
    /// torch.cuda.memory_allocated, so this counts the caching allocator's reserve and the context too).
    /// </summary>
    public static class MemoryProbe
    {
        public static void EpochStarted() => Rss.ResetPeak();

        public static OrderedDictionary<string, double> Scalars(Device device)
        {
            var scalars = new OrderedDictionary<string, double> { ["memory/peak_rss_mb"] = Rss.PeakBytes() / 1048576.0 };
            if (device.type == DeviceType.CUDA && CudaUsedBytes() is { } used) scalars["memory/cuda_used_mb"] = used / 1048576.0;
            return scalars;
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int MemGetInfo(out nuint free, out nuint total);

        private static readonly Lazy<MemGetInfo?> CudaMemGetInfo = new(() =>
        {
            // the runtime libtorch itself loaded (its file name
            // carries a hash in some builds), found among the mappings
            var path = File.Exists("/proc/self/maps")
                ? File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
                      .FirstOrDefault(p => p is not null && Path.GetFileName(p).StartsWith("libcudart"))
                : null;
            if (path is null || !NativeLibrary.TryLoad(path, out var handle)) return null;
            return NativeLibrary.TryGetExport(handle, "cudaMemGetInfo", out var address)
                ? Marshal.GetDelegateForFunctionPointer<MemGetInfo>(address)
                : null;
        });

        private static double? CudaUsedBytes()
        {
            if (CudaMemGetInfo.Value is not { } info || info(out var free, out var total) != 0) return null;
            return (double)(total - free);
        }
    }
}
