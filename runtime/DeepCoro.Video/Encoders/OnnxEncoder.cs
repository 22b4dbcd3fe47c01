using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// An encoder's tokens(x) exported as ONNX (tools/export_encoder.py --onnx), run by ONNX Runtime on the CPU:
    /// one float input [B, 3, T, H, W] (T, H and W fixed give <see cref="InputShape"/>), its first output the tokens
    /// [B, L, D] or [B, D]. Forward only: fine-tuning keeps the TorchScript file. Each failure is one line naming the
    /// file and what was found.
    /// </summary>
    public sealed class OnnxEncoder : ITokenEncoder
    {
        private readonly InferenceSession session;
        private readonly RunOptions run = new();
        private readonly string input;
        private readonly string output;

        public string Path { get; }
        public IReadOnlyList<long>? InputShape { get; }
        public string Digest { get; }
        public Device Device => CPU;

        private OnnxEncoder(string path, InferenceSession session, string input, string output, IReadOnlyList<long>? inputShape)
        {
            Path = path;
            this.session = session;
            this.input = input;
            this.output = output;
            InputShape = inputShape;
            Digest = ScriptedEncoder.DigestOf(path);
        }

        /// <summary>The ONNX Runtime release this project runs (the package's assembly version).</summary>
        public static string RuntimeVersion => typeof(InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "unknown";

        public static OnnxEncoder Load(string path, Device device, int threads)
        {
            if (!File.Exists(path)) throw new EncoderException($"{path}: encoder file not found");
            if (device.type != DeviceType.CPU)
                throw new EncoderException($"{path}: ONNX encoders run on the CPU here (the Microsoft.ML.OnnxRuntime package has no CUDA provider); embed on {device.type.ToString().ToLowerInvariant()} with the TorchScript file instead");
            if (threads < 1) throw new ArgumentException($"threads {threads}: expected at least 1");
            InferenceSession session;
            using (var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            })
            {
                try { session = new InferenceSession(path, options); }
                catch (OnnxRuntimeException e)
                {
                    throw new EncoderException($"{path}: not an ONNX model ONNX Runtime {RuntimeVersion} can run ({e.Message.Split('\n')[0].Trim()}); export one with tools/export_encoder.py --onnx");
                }
            }
            try
            {
                if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count < 1)
                    throw new EncoderException($"{path}: the ONNX model has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs; expected one input (the frames [B, 3, T, H, W]) and the tokens as its first output");
                var (name, meta) = session.InputMetadata.First();
                var dims = meta.Dimensions;
                if (meta.ElementType != typeof(float) || dims.Length != 5 || (dims[1] != 3 && dims[1] >= 0))
                    throw new EncoderException($"{path}: the ONNX model's input '{name}' is {meta.ElementType.Name} [{string.Join(", ", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]; expected float [B, 3, T, H, W]");
                var tokens = session.OutputMetadata[session.OutputNames[0]];
                if (tokens.ElementType != typeof(float))
                    throw new EncoderException($"{path}: the ONNX model's first output '{session.OutputNames[0]}' is {tokens.ElementType.Name}; expected float tokens [B, L, D] or [B, D]");
                // a fixed frame count and size play input_shape()'s part; dynamic ones leave them to --frames/--resize
                IReadOnlyList<long>? shape = dims.Skip(2).All(d => d > 0) ? new long[] { 3, dims[2], dims[3], dims[4] } : null;
                return new OnnxEncoder(path, session, name, session.OutputNames[0], shape);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        public Tensor Tokens(Tensor x)
        {
            var batch = x.shape[0];
            float[] frames;
            using (var cpu = x.to(ScalarType.Float32).cpu().contiguous()) frames = cpu.data<float>().ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(frames, x.shape);
            float[] data;
            long[] shape;
            try
            {
                using var results = session.Run(run, new[] { input }, new[] { value }, new[] { output });
                var tokens = results[0];
                shape = tokens.GetTensorTypeAndShape().Shape;
                data = tokens.GetTensorDataAsSpan<float>().ToArray();
            }
            catch (OnnxRuntimeException e)
            {
                throw new EncoderException($"{Path}: ONNX Runtime failed on frames [{string.Join(", ", x.shape)}]: {e.Message.Split('\n')[0].Trim()}");
            }
            if (shape.Length < 2 || shape.Length > 3 || shape[0] != batch)
                throw new EncoderException($"{Path}: the ONNX model returned [{string.Join(", ", shape)}] for a batch of {batch}; expected [B, L, D] or [B, D]");
            return tensor(data, shape);
        }

        public void Dispose()
        {
            run.Dispose();
            session.Dispose();
        }
    }
}
