using System.Collections.Generic;
using System.Linq;
using DeepCoro.Spec;
using TorchSharp;

namespace DeepCoro.Runtime.Training
{
    /// <summary>
    /// Splits a model's trainable parameters into the reference's groups by the role the plan gives their module:
    /// one group per head, the gated attention, the cls token with its attention layers and norms (those of levels
    /// inside a video in a group of their own when attention_within_lr or its decay is given), the view embedding;
    /// anything else (not in the plan) trains at the base rate. With train_pooling_params false the pooling's own
    /// modules are in no group.
    /// </summary>
    public static class ParameterGroups
    {
        /// <summary>The group of every module of a plan; frozen modules (unused,
        /// or pooling when not trained) have none.</summary>
        public static IReadOnlyList<PlannedGroup> Plan(ModelPlan plan, OptimizerOptions o)
        {
            var groups = new List<(string Name, double Lr, double Wd, List<string> Modules)>();
            foreach (var module in plan.Modules.Where(m => m.Trained))
            {
                if (GroupOf(plan, module, o) is not { } g) continue;
                var existing = groups.FindIndex(x => x.Name == g.Name);
                if (existing < 0) groups.Add((g.Name, g.Lr, g.Wd, new List<string> { module.Key }));
                else groups[existing].Modules.Add(module.Key);
            }
            return groups.Select(g => new PlannedGroup(g.Name, g.Lr, g.Wd, g.Modules)).ToList();
        }

        /// <summary>
        /// The groups of a model built from <paramref name="plan"/>, with its trainable parameters. Parameters the
        /// options freeze stop requiring gradients here, so clipping and backward leave them out too.
        /// </summary>
        public static List<ParameterGroup> Of(ModelPlan plan, torch.nn.Module model, OptimizerOptions o)
        {
            var moduleOf = plan.Modules.SelectMany(m => m.Parameters.Select(p => (p.Key, Module: m))).ToDictionary(x => x.Key, x => x.Module);
            var groups = new List<ParameterGroup>();
            foreach (var (key, p) in model.named_parameters())
            {
                if (!p.requires_grad) continue;
                var g = moduleOf.TryGetValue(key, out var module) ? GroupOf(plan, module, o)
                    : model is Encoders.EncoderProbe e && key.StartsWith(Encoders.EncoderProbe.EncoderKey + ".") ? ("video_encoder", e.Options.Lr, e.Options.WeightDecay)
                    : ("other", o.Lr, o.WeightDecay);
                if (g is not { } group)
                {
                    p.requires_grad = false;
                    continue;
                }
                var existing = groups.FirstOrDefault(x => x.Name == group.Name);
                if (existing is null) groups.Add(existing = new ParameterGroup(group.Name, new(), group.Lr, group.Wd));
                existing.Parameters.Add((key, p));
            }
            return groups;
        }

        /// <summary>The group of a trained module, or null when the options freeze it.</summary>
        private static (string Name, double Lr, double Wd)? GroupOf(ModelPlan plan, PlannedModule module, OptimizerOptions o)
        {
            double acrossLr = o.AttentionAcrossLr ?? o.AttentionLr ?? o.Lr, acrossWd = o.AttentionAcrossWeightDecay ?? o.AttentionWeightDecay ?? o.WeightDecay;
            var withinGroup = o.AttentionWithinLr.HasValue || o.AttentionWithinWeightDecay.HasValue;
            switch (module.Role)
            {
                case ParameterRole.Head:
                    var head = plan.Heads.First(h => h.Key == module.Key).Name;
                    return ("head:" + head, o.HeadLr.GetValueOrDefault(head, o.Lr), o.HeadWeightDecay.GetValueOrDefault(head, o.WeightDecay));
                case ParameterRole.Gate:
                    return o.TrainPooling ? ("attention", o.AttentionLr ?? o.Lr, o.AttentionWeightDecay ?? o.WeightDecay) : null;
                case ParameterRole.ClsToken or ParameterRole.Attention or ParameterRole.Norm:
                    if (!o.TrainPooling) return null;
                    return withinGroup && module.Scope == LevelScope.Within
                        ? ("cls_within", o.AttentionWithinLr ?? acrossLr, o.AttentionWithinWeightDecay ?? acrossWd)
                        : ("cls_across", acrossLr, acrossWd);
                case ParameterRole.ViewEmbedding:
                    return ("view_embedding", o.ViewEmbeddingLr ?? o.Lr, o.ViewEmbeddingWeightDecay ?? o.WeightDecay);
                default:
                    return ("other", o.Lr, o.WeightDecay);
            }
        }
    }
}
