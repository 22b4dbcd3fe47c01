// Reads a safetensors file with deepcoro's reader and writes it back with deepcoro's writer (Safetensors.Save),
// so tools/check_pytorch_load.py can check that PyTorch loads what we write.
// After `dotnet build cli/DeepCoro.Cli -c Release`: dotnet fsi
// tools/safetensors_roundtrip.fsx IN.safetensors OUT.safetensors
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Common.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/DeepCoro.Model.dll"
#r "../cli/DeepCoro.Cli/bin/Release/net10.0/TorchSharp.dll"

// fsi does not resolve the build's native libtorch on its own (TorchSharp would try to copy it elsewhere)
let native = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "../cli/DeepCoro.Cli/bin/Release/net10.0/runtimes/linux-x64/native")
for lib in [ "libc10.so"; "libtorch_cpu.so"; "libtorch.so"; "libLibTorchSharp.so" ] do
    System.Runtime.InteropServices.NativeLibrary.Load(System.IO.Path.Combine(native, lib)) |> ignore
let args = fsi.CommandLineArgs
DeepCoro.Runtime.IO.Safetensors.Save(args.[2], DeepCoro.Runtime.IO.Safetensors.Load args.[1])
printfn "wrote %s" args.[2]
