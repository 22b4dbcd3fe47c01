using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using TorchSharp;

namespace DeepCoro.Runtime.Training
{
    /// <summary>One optimizer parameter group: its name, its parameters, its base rate and decay.</summary>
    public sealed record ParameterGroup(string Name, List<(string Key, TorchSharp.Modules.Parameter Parameter)> Parameters, double Lr, double WeightDecay);

    /// <summary>
    /// Splits a model's trainable parameters into the reference's groups by the role the plan gives their module:
    /// one group per head, the gated attention, the cls token with its attention layers and norms, the view
    /// embedding; anything else (not in the plan) trains at the base rate.
    /// </summary>
    public static class ParameterGroups
    {
        public static List<ParameterGroup> Of(ModelSpec spec, torch.nn.Module model, OptimizerOptions o)
        {
            var plan = ModelPlan.Of(spec);
            var moduleOf = plan.Modules.SelectMany(m => m.Parameters.Select(p => (p.Key, Module: m))).ToDictionary(x => x.Key, x => x.Module);
            var headOf = spec.Heads.ToDictionary(h => h.Key, h => h.Name);
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
                var role = moduleOf.TryGetValue(key, out var module) ? module.Role : ParameterRole.Other;
                var g = role switch
                {
                    ParameterRole.Head => Group("head:" + headOf[module!.Key], o.HeadLr.GetValueOrDefault(headOf[module.Key], o.Lr),
                        o.HeadWeightDecay.GetValueOrDefault(headOf[module.Key], o.WeightDecay)),
                    ParameterRole.Gate => Group("attention", o.AttentionLr ?? o.Lr, o.AttentionWeightDecay ?? o.WeightDecay),
                    ParameterRole.ClsToken or ParameterRole.Attention or ParameterRole.Norm =>
                        Group("cls_across", o.AttentionAcrossLr ?? o.AttentionLr ?? o.Lr, o.AttentionAcrossWeightDecay ?? o.AttentionWeightDecay ?? o.WeightDecay),
                    ParameterRole.ViewEmbedding => Group("view_embedding", o.ViewEmbeddingLr ?? o.Lr, o.ViewEmbeddingWeightDecay ?? o.WeightDecay),
                    _ => Group("other", o.Lr, o.WeightDecay),
                };
                g.Parameters.Add((key, p));
            }
            return groups;
        }
    }
}
