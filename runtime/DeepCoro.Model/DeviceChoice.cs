using DeepCoro.Spec;
using static TorchSharp.torch;

namespace DeepCoro.Runtime
{
    /// <summary>Parses --device: auto (CUDA when libtorch has it, else CPU), cpu, cuda or cuda:i.</summary>
    public static class DeviceChoice
    {
        public static Device Parse(string text)
        {
            var t = text.Trim().ToLowerInvariant();
            if (t == "auto") return cuda.is_available() ? CUDA : CPU;
            if (t == "cpu") return CPU;
            if (t == "cuda" || t.StartsWith("cuda:"))
            {
                if (!cuda.is_available())
                    throw new DeepCoroUserException($"device {text}: CUDA is not available in this build (the CPU libtorch is linked); build with -p:DeepCoroTorchBackend=cuda on a machine with an NVIDIA driver", Remedy.UseCpu);
                if (t == "cuda") return CUDA;
                if (!int.TryParse(t.Substring(5), out var index) || index < 0 || index >= cuda.device_count())
                    throw new DeepCoroUserException($"device {text}: expected cuda:i with i in [0, {cuda.device_count() - 1}]");
                return new Device(TorchSharp.DeviceType.CUDA, index);
            }
            throw new DeepCoroUserException($"device {text}: expected auto, cpu, cuda or cuda:i");
        }
    }
}
