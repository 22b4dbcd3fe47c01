using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepCoro.Runtime.Training
{
    /// <summary>One optimizer parameter group: its name, its parameters, its base rate and decay.</summary>
    public sealed record ParameterGroup(string Name, List<(string Key, TorchSharp.Modules.Parameter Parameter)> Parameters, double Lr, double WeightDecay);

    /// <summary>Splits a model's trainable parameters into the reference's groups and builds the optimizer.</summary>
    public static class ParameterGroups
    {
        public static List<ParameterGroup> Of(ModelSpec spec, nn.Module model, OptimizerOptions o)
        {
            var clsKeys = new HashSet<string>();
            var gateKeys = new HashSet<string>();
            void Walk(IEnumerable<PoolStage> stages)
            {
                foreach (var stage in stages)
                {
                    if (stage is ConcatStage c) { foreach (var b in c.Branches) Walk(b); continue; }
                    var level = (PoolLevel)stage;
                    if (level.Kind == PoolKind.ClsToken) { clsKeys.Add(level.Options.TokenKey); clsKeys.Add(level.Options.AttentionKey); clsKeys.Add(level.Options.NormKey); }
                    if (level.Kind == PoolKind.GatedAttention) foreach (var s in new[] { "_V", "_U", "_w" }) gateKeys.Add(level.Options.GateKey + s);
                }
            }
            Walk(spec.Pooling);
            var groups = new List<ParameterGroup>();
            ParameterGroup Group(string name, double lr, double wd)
            {
                var g = groups.FirstOrDefault(x => x.Name == name);
                if (g is null) groups.Add(g = new ParameterGroup(name, new(), lr, wd));
                return g;
            }
            foreach (var (key, p) in model.named_parameters())
            {
                if (!p.requires_grad) continue;
                var root = key.Split('.')[0];
                ParameterGroup g;
                if (root == "heads")
                {
                    var head = key.Split('.')[1];
                    g = Group("head:" + head, o.HeadLr.GetValueOrDefault(head, o.Lr), o.HeadWeightDecay.GetValueOrDefault(head, o.WeightDecay));
                }
                else if (gateKeys.Contains(root)) g = Group("attention", o.AttentionLr ?? o.Lr, o.AttentionWeightDecay ?? o.WeightDecay);
                else if (clsKeys.Contains(root))
                    g = Group("cls_across", o.AttentionAcrossLr ?? o.AttentionLr ?? o.Lr, o.AttentionAcrossWeightDecay ?? o.AttentionWeightDecay ?? o.WeightDecay);
                else if (spec.ViewEmbedding is { } v && root == v.Key) g = Group("view_embedding", o.ViewEmbeddingLr ?? o.Lr, o.ViewEmbeddingWeightDecay ?? o.WeightDecay);
                else if (root == Encoders.EncoderProbe.EncoderKey && model is Encoders.EncoderProbe e) g = Group("video_encoder", e.Options.Lr, e.Options.WeightDecay);
                else g = Group("other", o.Lr, o.WeightDecay);
                g.Parameters.Add((key, p));
            }
            return groups;
        }
    }
}
