using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// A TorchScript video encoder as tools/export_encoder.py writes it: the backbone's parameters under "model.",
    /// and the methods tokens(x), prefix(x, n), suffix(h, n, t, hh, ww), cuts() and input_shape(). Fine-tuning with
    /// the cached prefix needs them all (<see cref="Load(string, Device)"/>); plain embedding
    /// (<see cref="LoadForEmbedding"/>) needs only tokens(x) or forward(x), as `torch.jit.script(model)` gives, and
    /// input_shape() when it is there. Loading checks the file, the methods and their answers; every output's rank is
    /// checked where it is used. Each failure is one line naming the file and what was found.
    /// </summary>
    public sealed class ScriptedEncoder : ITokenEncoder
    {
        /// <summary>The prefix of the backbone's parameter names: the
        /// reference's VideoEncoder calls its backbone `model`.</summary>
        public const string BackbonePrefix = "model.";

        private static readonly string[] Methods = { "tokens", "prefix", "suffix", "cuts", "input_shape" };

        public string Path { get; }
        public jit.ScriptModule Module { get; }
        /// <summary>Where the encoder may be cut, for n = 0..K blocks below the cut.</summary>
        public IReadOnlyList<EncoderCut> Cuts { get; }
        /// <summary>The input the encoder was exported for: 3, frames, height, width; null for an encoder loaded for
        /// embedding without input_shape().</summary>
        public IReadOnlyList<long>? InputShape { get; }
        /// <summary>The first 16 hex digits of the file's SHA-256: files made from an encoder record it.</summary>
        public string Digest { get; }
        public Device Device { get; }

        /// <summary>The method that gives the tokens: tokens(x), else forward(x).</summary>
        private readonly string tokensMethod;

        private ScriptedEncoder(string path, jit.ScriptModule module, Device device, string tokensMethod, IReadOnlyList<EncoderCut> cuts, IReadOnlyList<long>? inputShape)
        {
            Device = device;
            this.tokensMethod = tokensMethod;
            Path = path;
            Module = module;
            Cuts = cuts;
            InputShape = inputShape;
            Digest = DigestOf(path);
        }

        /// <summary>The frames and the frame size of input_shape(), when the encoder has it.</summary>
        public int? Frames => InputShape is { } shape ? (int)shape[1] : null;
        public int? Size => InputShape is { } shape ? (int)shape[2] : null;

        /// <summary>The backbone's parameter tensors in registration order:
        /// the list the reference's freeze rule counts.</summary>
        public IReadOnlyList<(string Name, Parameter Parameter)> BackboneParameters =>
            Module.named_parameters().Where(p => p.name.StartsWith(BackbonePrefix, StringComparison.Ordinal)).ToList();

        /// <summary>An encoder to fine-tune with the cached prefix: every method of tools/export_encoder.py.</summary>
        public static ScriptedEncoder Load(string path, Device device) => Load(path, device, fineTuning: true);

        /// <summary>An encoder for plain embedding: tokens(x) or forward(x); input_shape() is read when present (the
        /// frames and size then come from it unless given), prefix, suffix and cuts are not asked for.</summary>
        public static ScriptedEncoder LoadForEmbedding(string path, Device device) => Load(path, device, fineTuning: false);

        private static ScriptedEncoder Load(string path, Device device, bool fineTuning)
        {
            if (!File.Exists(path)) throw new EncoderException($"{path}: encoder file not found");
            jit.ScriptModule module;
            try { module = jit.load(path, device); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new EncoderException($"{path}: not a TorchScript module ({FirstLine(e.Message)}); a checkpoint or a pickled model must be exported first with tools/export_encoder.py");
            }
            try
            {
                if (fineTuning)
                {
                    var missing = Methods.Where(m => !HasMethod(module, m)).ToList();
                    if (missing.Count > 0)
                        throw new EncoderException($"{path}: the TorchScript module lacks {string.Join(", ", missing.Select(m => m + "()"))}, which fine-tuning with the cached prefix needs; export it with tools/export_encoder.py, which adds tokens, prefix, suffix, cuts and input_shape");
                }
                var tokensMethod = HasMethod(module, "tokens") ? "tokens" : "forward";
                if (tokensMethod == "forward" && !HasMethod(module, "forward"))
                    throw new EncoderException($"{path}: the TorchScript module has neither tokens(x) nor forward(x); export it with tools/export_encoder.py, or script a module whose forward gives the tokens");
                var inputShape = fineTuning || HasMethod(module, "input_shape") ? IntTensor(path, module, "input_shape", 1) : null;
                if (inputShape is not null && (inputShape.Length != 4 || inputShape[0] != 3 || inputShape.Skip(1).Any(v => v < 1)))
                    throw new EncoderException($"{path}: input_shape() gave [{string.Join(", ", inputShape)}]; expected [3, frames, height, width]");
                if (!fineTuning) return new ScriptedEncoder(path, module, device, tokensMethod, Array.Empty<EncoderCut>(), inputShape);
                var table = IntTensor(path, module, "cuts", 2);
                var cuts = new List<EncoderCut>();
                for (var n = 0; n < table.Length / 4; n++)
                    cuts.Add(new EncoderCut(n, (int)table[4 * n], (int)table[4 * n + 1], (int)table[4 * n + 2], (int)table[4 * n + 3]));
                var backbone = module.named_parameters().Count(p => p.name.StartsWith(BackbonePrefix, StringComparison.Ordinal));
                if (cuts.Count == 0 || cuts.Zip(cuts.Skip(1)).Any(c => c.Second.ParametersBefore < c.First.ParametersBefore) || cuts[^1].ParametersBefore > backbone)
                    throw new EncoderException($"{path}: cuts() does not describe the backbone's {backbone} parameter tensors (rows must count up to at most {backbone})");
                return new ScriptedEncoder(path, module, device, tokensMethod, cuts, inputShape);
            }
            catch
            {
                module.Dispose();
                throw;
            }
        }

        /// <summary>tokens(x) (or forward(x)): x [B, 3, T, H, W] -> [B,
        /// L, D] (or [B, D] for an encoder that aggregates).</summary>
        public Tensor Tokens(Tensor x) => Output(tokensMethod, Module.invoke(tokensMethod, x), x.shape[0], 2, 3);

        /// <summary>prefix(x, n): the stem and the first n blocks -> [B, L', C].</summary>
        public Tensor Prefix(Tensor x, EncoderCut cut) => Output("prefix", Module.invoke("prefix", x, (long)cut.Blocks), x.shape[0], 3, 3);

        /// <summary>suffix(h, n, t, hh, ww): the rest of the encoder from a cut -> what tokens(x) gives.</summary>
        public Tensor Suffix(Tensor h, EncoderCut cut) =>
            Output("suffix", Module.invoke("suffix", h, (long)cut.Blocks, (long)cut.T, (long)cut.H, (long)cut.W), h.shape[0], 2, 3);

        private Tensor Output(string method, object? result, long batch, int minRank, int maxRank)
        {
            if (result is not Tensor t)
                throw new EncoderException($"{Path}: {method}() returned {(result is null ? "nothing" : result.GetType().Name)}; expected one tensor");
            if (t.dim() < minRank || t.dim() > maxRank || t.shape[0] != batch)
            {
                var shape = $"[{string.Join(", ", t.shape)}]";
                t.Dispose();
                var expected = minRank == maxRank ? "[B, L, C]" : "[B, L, D] or [B, D]";
                throw new EncoderException($"{Path}: {method}() returned {shape} for a batch of {batch}; expected {expected}");
            }
            return t;
        }

        private static bool HasMethod(jit.ScriptModule module, string name)
        {
            // TorchSharp lists no methods: a call without arguments fails on the missing argument when the method
            // exists (or runs, for cuts and input_shape), and with "Method 'x' is not defined" when it does not
            try
            {
                (module.invoke(name) as IDisposable)?.Dispose();
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return !e.Message.Contains($"Method '{name}' is not defined", StringComparison.Ordinal);
            }
        }

        private static long[] IntTensor(string path, jit.ScriptModule module, string method, int rank)
        {
            object? result;
            try { result = module.invoke(method); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new EncoderException($"{path}: {method}() failed: {FirstLine(e.Message)}");
            }
            if (result is not Tensor t || t.dim() != rank || t.dtype != ScalarType.Int64 || (rank == 2 && t.shape[1] != 4))
                throw new EncoderException($"{path}: {method}() returned {(result is Tensor r ? $"{r.dtype} [{string.Join(", ", r.shape)}]" : result?.GetType().Name ?? "nothing")}; expected int64 {(rank == 1 ? "[4]" : "[K + 1, 4]")}");
            using (t) return t.cpu().data<long>().ToArray();
        }

        /// <summary>The first 16 hex digits of a file's SHA-256.</summary>
        internal static string DigestOf(string path)
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexString(SHA256.HashData(stream))[..16].ToLowerInvariant();
        }

        private static string FirstLine(string message) => message.Split('\n')[0].Trim();

        public void Dispose() => Module.Dispose();
    }
}
