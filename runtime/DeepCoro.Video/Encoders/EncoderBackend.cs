namespace DeepCoro.Runtime.Encoders
{
    /// <summary>What runs an encoder's forward for `embed`: TorchSharp on a TorchScript file, or ONNX Runtime on an
    /// ONNX file (tools/export_encoder.py --onnx).</summary>
    public enum EncoderBackend
    {
        TorchScript,
        Onnx,
    }
}
