using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace DeepCoro.Runtime.Benchmarks
{
    /// <summary>
    /// PyTorch itself (the python given, e.g. Debian's /usr/bin/python3 with python3-torch) running the same
    /// TorchScript file on the same frames, as a child process that times one forward per request, so that its rounds
    /// interleave with the in-process backends' under the same machine load. Times are measured inside python
    /// (time.perf_counter around the call), so the pipe is not in them.
    /// </summary>
    internal sealed class PyTorchForward : IDisposable
    {
        private const string Script = """
            import sys, time
            import numpy as np
            import torch
            path, frames, shape, threads, out = sys.argv[1:6]
            torch.set_num_threads(int(threads))
            torch.set_num_interop_threads(1)
            m = torch.jit.load(path, map_location="cpu").eval()
            f = m.tokens if hasattr(m, "tokens") else m.forward
            x = torch.from_numpy(np.fromfile(frames, dtype=np.float32).reshape([int(v) for v in shape.split(",")]))
            with torch.no_grad():
                f(x).float().numpy().tofile(out)
                print("ready", torch.__version__, flush=True)
                for _ in sys.stdin:
                    start = time.perf_counter()
                    f(x)
                    print((time.perf_counter() - start) * 1000.0, flush=True)
            """;

        private readonly Process process;
        public string Version { get; }
        public float[] Tokens { get; }

        private PyTorchForward(Process process, string version, float[] tokens)
        {
            this.process = process;
            Version = version;
            Tokens = tokens;
        }

        /// <summary>Starts python on the encoder and the frames; null with the reason when it cannot run.</summary>
        public static (PyTorchForward? Worker, string? Reason) Start(string python, string encoder, float[] frames, long[] shape, int threads)
        {
            var dir = Directory.CreateTempSubdirectory("deepcoro-bench-").FullName;
            var input = Path.Combine(dir, "frames.f32");
            var output = Path.Combine(dir, "tokens.f32");
            File.WriteAllBytes(input, System.Runtime.InteropServices.MemoryMarshal.AsBytes(frames.AsSpan()).ToArray());
            var info = new ProcessStartInfo(python)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "-c", Script, Path.GetFullPath(encoder), input, string.Join(",", shape), threads.ToString(CultureInfo.InvariantCulture), output })
                info.ArgumentList.Add(a);
            Process process;
            try { process = Process.Start(info)!; }
            catch (System.ComponentModel.Win32Exception e)
            {
                Directory.Delete(dir, true);
                return (null, $"{python} cannot be started ({e.Message})");
            }
            var errors = process.StandardError.ReadToEndAsync();
            var first = process.StandardOutput.ReadLine();
            if (first is null || !first.StartsWith("ready ", StringComparison.Ordinal))
            {
                process.WaitForExit();
                var last = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? $"exit code {process.ExitCode}";
                process.Dispose();
                Directory.Delete(dir, true);
                return (null, $"{python} could not run the TorchScript file ({last})");
            }
            var bytes = File.ReadAllBytes(output);
            Directory.Delete(dir, true);
            var tokens = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, tokens, 0, tokens.Length * 4);
            return (new PyTorchForward(process, first["ready ".Length..].Trim(), tokens), null);
        }

        /// <summary>One forward, timed by python, in milliseconds.</summary>
        public double Time()
        {
            process.StandardInput.WriteLine("run");
            var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("python stopped answering the bench");
            return double.Parse(line, CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(10_000)) process.Kill();
            process.Dispose();
        }
    }
}
