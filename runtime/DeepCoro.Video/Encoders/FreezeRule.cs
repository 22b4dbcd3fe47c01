using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Encoders
{
    /// <summary>
    /// The reference's freeze rule, exactly. video_freeze_ratio is, despite its name, the share of the backbone's
    /// parameter tensors that train, counted from the top of named_parameters(): int(ratio x count) tensors train
    /// and the rest, from the bottom, are frozen (VideoEncoder._freeze_partial_layers); the projection after the
    /// backbone always trains. Exactly 1.0 is a special case (projects/linear_probing_project.py): the whole encoder,
    /// projection included, is frozen and in eval mode, the opposite of 0.99, which trains nearly all of it.
    /// </summary>
    public static class FreezeRule
    {
        public static FreezePlan Plan(double ratio, int backboneTensors, IReadOnlyList<EncoderCut> cuts)
        {
            var text = ratio.ToString("R", CultureInfo.InvariantCulture);
            if (!(ratio >= 0 && ratio <= 1))
                throw new DeepCoroUserException($"video_freeze_ratio: {text}; must lie in [0, 1] (the share of the encoder's backbone parameter tensors that train)");
            if (ratio == 1.0) return new FreezePlan(ratio, backboneTensors, 0, true, null);
            // Python's int(ratio * count): the product in double, truncated
            var trainable = (int)(ratio * backboneTensors);
            var frozen = backboneTensors - trainable;
            var cut = cuts.LastOrDefault(c => c.ParametersBefore <= frozen);
            if (cut is null)
            {
                var stem = cuts.Count > 0 ? cuts[0].ParametersBefore : backboneTensors;
                var below = ((backboneTensors - stem + 1) / (double)backboneTensors).ToString("0.####", CultureInfo.InvariantCulture);
                throw new DeepCoroUserException($"video_freeze_ratio: {text} trains part of the encoder's stem (its first {stem} parameter tensors), which must stay frozen for its output to be computed once; use a ratio below {below}, or 1.0 to freeze everything");
            }
            return new FreezePlan(ratio, backboneTensors, trainable, false, cut);
        }

        /// <summary>The one-line warning a ratio of exactly 1.0 deserves, or null.</summary>
        public static string? Warning(double ratio) => ratio == 1.0
            ? "warning: video_freeze_ratio 1.0 freezes the whole encoder, projection included (the reference's special case); 0.99 would train almost all of it: the ratio counts what trains"
            : null;

        /// <summary>Sets requires_grad on every encoder parameter as the plan says.</summary>
        public static void Apply(ScriptedEncoder encoder, FreezePlan plan)
        {
            var index = 0;
            foreach (var (name, p) in encoder.Module.named_parameters())
            {
                var backbone = name.StartsWith(ScriptedEncoder.BackbonePrefix, StringComparison.Ordinal);
                var trains = !plan.WholeEncoderFrozen && (!backbone || index >= plan.FrozenTensors);
                if (backbone) index++;
                p.requires_grad_(trains);
            }
        }
    }
}
