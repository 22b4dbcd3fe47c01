using System;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// Opens an encoder file for `embed` with the backend asked for, or, when none is, the one its extension names
    /// (.onnx: ONNX Runtime; anything else: TorchScript). A backend that does not fit the file is an error, never
    /// quietly replaced.
    /// </summary>
    public static class TokenEncoders
    {
        public const string OnnxExtension = ".onnx";

        public static EncoderBackend BackendOf(string path, EncoderBackend? asked)
        {
            var onnx = string.Equals(System.IO.Path.GetExtension(path), OnnxExtension, StringComparison.OrdinalIgnoreCase);
            return asked switch
            {
                null => onnx ? EncoderBackend.Onnx : EncoderBackend.TorchScript,
                EncoderBackend.Onnx when !onnx => throw new EncoderException($"{path}: the onnx backend runs ONNX files (*.onnx); export one with tools/export_encoder.py --onnx FILE.onnx, or let the file's extension choose the backend"),
                EncoderBackend.TorchScript when onnx => throw new EncoderException($"{path}: the torchscript backend runs TorchScript files; this is an ONNX file: give the TorchScript file tools/export_encoder.py wrote beside it, or let the file's extension choose the backend"),
                { } b => b,
            };
        }

        /// <summary>The encoder for plain embedding; ONNX Runtime runs on <paramref name="threads"/> intra-op
        /// threads (TorchSharp's own setting governs TorchScript).</summary>
        public static ITokenEncoder LoadForEmbedding(string path, EncoderBackend? asked, Device device, int threads) =>
            BackendOf(path, asked) == EncoderBackend.Onnx
                ? OnnxEncoder.Load(path, device, threads)
                : ScriptedEncoder.LoadForEmbedding(path, device);
    }
}
