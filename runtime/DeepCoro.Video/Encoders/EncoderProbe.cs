using System.Collections.Generic;
using System.Linq;
using DeepCoro.Runtime.Blocks;
using DeepCoro.Runtime.Model;
using DeepCoro.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// The trainable top of a video encoder and the probe, run as one model: its input is the encoder's hidden
    /// tokens at the cut (cached once per video by <c>EncoderData</c>, in the training layer), [B, N, L', C] with
    /// the video mask; the suffix runs on the real videos only, and the probe pools its tokens. <see
    /// cref="WholeEncoder"/> is the reference's way, for comparison: frames [B, N, 3, T, H, W] through the whole
    /// encoder at every step. Parameters carry the probe's own names and the encoder's under "video_encoder." (the
    /// reference's VideoMILWrapper names it so), which puts them in the video_encoder optimizer group; frozen ones
    /// have requires_grad false and no optimizer state.
    /// </summary>
    public sealed class EncoderProbe : nn.Module<ModelInput, OrderedDictionary<string, Tensor>>, IPoolingProbe
    {
        public const string EncoderKey = "video_encoder";

        private readonly MilModel probe;
        private readonly ScriptedEncoder encoder;
        private readonly bool whole;

        public FreezePlan Plan { get; }
        public EncoderOptions Options { get; }

        private EncoderProbe(MilModel probe, ScriptedEncoder encoder, FreezePlan plan, EncoderOptions options, bool whole) : base(nameof(EncoderProbe))
        {
            this.probe = probe;
            this.encoder = encoder;
            this.whole = whole;
            Plan = plan;
            Options = options;
            register_module("probe", probe);
            register_module(EncoderKey, encoder.Module);
        }

        /// <summary>
        /// The model a run trains: the probe alone without an encoder, or with one frozen whole (its tokens are the
        /// data); else the encoder's trainable top and the probe. Its cls pools run <paramref name="kernel"/>.
        /// </summary>
        public static nn.Module<ModelInput, OrderedDictionary<string, Tensor>> Create(ModelPlan probePlan, EncoderOptions? options,
            ClsKernel kernel = ClsKernel.Fused)
        {
            var probe = new MilModel(probePlan, kernel);
            if (options is null) return probe;
            var encoder = ScriptedEncoder.Load(options.Path, CPU);
            var plan = FreezeRule.Plan(options.FreezeRatio, encoder.BackboneParameters.Count, encoder.Cuts);
            if (plan.WholeEncoderFrozen)
            {
                encoder.Dispose();
                return probe;
            }
            FreezeRule.Apply(encoder, plan);
            return new EncoderProbe(probe, encoder, plan, options, false);
        }

        /// <summary>The same parameters, frozen alike, run the reference's way: the whole encoder on frames at every
        /// step.</summary>
        public static EncoderProbe WholeEncoder(ModelPlan probePlan, EncoderOptions options)
        {
            var probe = new MilModel(probePlan);
            var encoder = ScriptedEncoder.Load(options.Path, CPU);
            var plan = FreezeRule.Plan(options.FreezeRatio, encoder.BackboneParameters.Count, encoder.Cuts);
            FreezeRule.Apply(encoder, plan);
            return new EncoderProbe(probe, encoder, plan, options, true);
        }

        public override OrderedDictionary<string, Tensor> forward(ModelInput input) => Heads(Pool(input));

        public nn.Module<ModelInput, OrderedDictionary<string, Tensor>> Module => this;
        public MilModel Pooling => probe;

        public OrderedDictionary<string, Tensor> Heads(Tensor pooled) => probe.Heads(pooled);

        /// <summary>The probe's pooled vector of the videos' tokens, which the encoder's trainable rest
        /// computes.</summary>
        public Tensor Pool(ModelInput input)
        {
            // the encoder's trainable rest computes in float32: 16-bit cached tokens (data.token_dtype) are widened
            var x = Blocks.TokenPrecision.Float32(input.X);
            if (x.dim() != (whole ? 6 : 4))
                throw new InputShapeException($"{(whole ? "frames must be [B, N, 3, T, H, W]" : "the encoder's cached tokens must be [B, N, L', C]")}, got [{string.Join(", ", x.shape)}]");
            long b = x.shape[0], n = x.shape[1];
            var flat = x.reshape(new[] { b * n }.Concat(x.shape.Skip(2)).ToArray());
            // padded videos never reach the encoder: their slots stay zero, and the mask keeps the probe off them
            var real = input.Mask?.reshape(-1).nonzero().squeeze(1);
            var h = real is null ? flat : flat.index_select(0, real);
            var tokens = whole ? encoder.Tokens(h) : encoder.Suffix(h, Plan.Cut!);
            var rest = tokens.shape.Skip(1).ToArray();
            var all = real is null ? tokens : zeros(new[] { b * n }.Concat(rest).ToArray(), tokens.dtype, tokens.device).index_copy(0, real, tokens);
            return probe.Pool(new ModelInput(all.reshape(new[] { b, n }.Concat(rest).ToArray()), input.Mask, input.ViewIds));
        }

        /// <summary>
        /// Disposes both parts. Module.Dispose would walk named_modules() into the script module after disposing it
        /// (TorchSharp 0.107 throws there); the wrapper's own native handle is a SafeHandle, released when collected.
        /// </summary>
        protected override void Dispose(bool disposing)
        {
            if (!disposing) return;
            probe.Dispose();
            encoder.Dispose();
        }

        /// <summary>The probe's parameters under their own keys, then the encoder's under video_encoder.; none of its
        /// own.</summary>
        public override IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true) =>
            !recurse ? base.named_parameters(false)
            : probe.named_parameters().Concat(encoder.Module.named_parameters().Select(p => ($"{EncoderKey}.{p.name}", p.parameter)));

        public override IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true, bool include_nonpersistent = true) =>
            !recurse ? base.named_buffers(false, include_nonpersistent)
            : probe.named_buffers(true, include_nonpersistent).Concat(encoder.Module.named_buffers(true, include_nonpersistent).Select(p => ($"{EncoderKey}.{p.name}", p.buffer)));
    }
}
