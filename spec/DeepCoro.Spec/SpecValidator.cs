using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Spec
{
    /// <summary>A row of the shape table: a block, the shape after it, and the parameters it brings (shared keys counted once).</summary>
    public sealed record ShapeRow(string Path, string Block, string Shape, long Parameters);

    /// <summary>
    /// Walks a spec once, tracking the remaining axes and the feature width, to check it (diagnostics with JSON
    /// paths) and to infer the shape after every block with its parameter count.
    /// </summary>
    public static class SpecValidator
    {
        public static IReadOnlyList<SpecDiagnostic> Validate(ModelSpec spec) => new Walker(spec).Run().Diagnostics;

        /// <summary>The shape table of a valid spec, from the input to every head.</summary>
        public static IReadOnlyList<ShapeRow> Shapes(ModelSpec spec) => new Walker(spec).Run().Rows;

        public static long ParameterCount(ModelSpec spec) => Shapes(spec).Sum(r => r.Parameters);

        /// <summary>The width the heads see: the embedding, or the sum of the branch widths of a concat.</summary>
        public static int HeadInputWidth(ModelSpec spec) => new Walker(spec).Run().FinalWidth;

        /// <summary>Every parameter tensor a spec creates, keyed as in the state_dict, with its shape.</summary>
        public static IReadOnlyList<KeyValuePair<string, int[]>> ParameterShapes(ModelSpec spec) => new Walker(spec).Run().Tensors;

        private sealed class Walker
        {
            private readonly ModelSpec spec;
            public readonly List<SpecDiagnostic> Diagnostics = new List<SpecDiagnostic>();
            public readonly List<ShapeRow> Rows = new List<ShapeRow>();
            public readonly List<KeyValuePair<string, int[]>> Tensors = new List<KeyValuePair<string, int[]>>();
            public int FinalWidth;
            private readonly Dictionary<string, (string Role, int Width, int Detail, string Path)> keys = new Dictionary<string, (string, int, int, string)>();

            public Walker(ModelSpec spec) { this.spec = spec; }

            private void Error(string code, string path, string message) => Diagnostics.Add(new SpecDiagnostic(code, Severity.Error, path, message));
            private void Warn(string code, string path, string message) => Diagnostics.Add(new SpecDiagnostic(code, Severity.Warning, path, message));

            public Walker Run()
            {
                int d = spec.EmbeddingDim;
                if (d <= 0) Error(DiagnosticCodes.InvalidValue, "embeddingDim", $"embedding dim must be positive, got {d}");
                if (!Identifiers.IsSimpleName(spec.Name)) Error(DiagnosticCodes.InvalidValue, "name", $"model name '{spec.Name}' must start with a letter and hold only letters, digits and '_'");
                else if (Identifiers.GeneratedModelMembers.Contains(spec.Name)) Error(DiagnosticCodes.InvalidValue, "name", $"model name '{spec.Name}' is also a member of the generated C# class; choose another name");
                if (spec.Axes.Count == 0) Error(DiagnosticCodes.InvalidValue, "axes", "at least one input axis is needed (e.g. [\"videos\"] or [\"videos\", \"tokens\"])");
                for (int i = 0; i < spec.Axes.Count; i++)
                {
                    if (!Identifiers.IsSimpleName(spec.Axes[i])) Error(DiagnosticCodes.InvalidValue, $"axes[{i}]", $"axis name '{spec.Axes[i]}' must start with a letter and hold only letters, digits and '_'");
                    if (spec.Axes.Take(i).Contains(spec.Axes[i])) Error(DiagnosticCodes.InvalidValue, $"axes[{i}]", $"axis '{spec.Axes[i]}' is declared twice");
                }
                Rows.Add(new ShapeRow("input", "x", Shape(spec.Axes, d), 0));
                if (spec.ViewEmbedding is { } view)
                {
                    if (view.Classes <= 0) Error(DiagnosticCodes.InvalidValue, "viewEmbedding.classes", $"view classes must be positive, got {view.Classes}");
                    long p = Claim(view.Key + ".weight", "viewEmbedding", d, view.Classes, "viewEmbedding", new[] { view.Classes + 1, d });
                    Rows.Add(new ShapeRow("viewEmbedding", $"view embedding ({view.Classes} views + padding)", Shape(spec.Axes, d), p));
                }
                var (remaining, width) = Stages(spec.Pooling, "pooling", spec.Axes.ToList(), d);
                if (remaining.Count > 0)
                    Error(DiagnosticCodes.UnreducedAxes, "pooling",
                        $"the pooling leaves axes [{string.Join(", ", remaining)}] unreduced; add levels over them, innermost first (next: '{remaining[remaining.Count - 1]}')");
                FinalWidth = width;
                Heads(width);
                Unused();
                return this;
            }

            private static string Shape(IEnumerable<string> axes, int width) => "[" + string.Join(", ", new[] { "B" }.Concat(axes).Concat(new[] { width.ToString() })) + "]";

            private (List<string> Remaining, int Width) Stages(IReadOnlyList<PoolStage> stages, string path, List<string> axes, int width)
            {
                for (int i = 0; i < stages.Count; i++)
                {
                    var p = $"{path}[{i}]";
                    if (stages[i] is PoolLevel level) (axes, width) = Level(level, p, axes, width);
                    else (axes, width) = Concat((ConcatStage)stages[i], p, axes, width);
                }
                return (axes, width);
            }

            private (List<string>, int) Concat(ConcatStage concat, string path, List<string> axes, int width)
            {
                if (concat.Branches.Count < 2) { Error(DiagnosticCodes.ConcatMismatch, path + ".concat", "a concat needs at least two branches"); return (axes, width); }
                List<string>? end = null;
                int total = 0;
                for (int b = 0; b < concat.Branches.Count; b++)
                {
                    var bp = $"{path}.concat[{b}]";
                    if (concat.Branches[b].Count == 0) { Error(DiagnosticCodes.ConcatMismatch, bp, "a concat branch needs at least one level"); continue; }
                    var (rest, w) = Stages(concat.Branches[b], bp, axes.ToList(), width);
                    if (end == null) end = rest;
                    else if (!end.SequenceEqual(rest))
                        Error(DiagnosticCodes.ConcatMismatch, bp, $"this branch leaves [{string.Join(", ", rest)}] but the first leaves [{string.Join(", ", end)}]; every branch must reduce the same axes");
                    total += w;
                }
                Rows.Add(new ShapeRow(path, $"concat of {concat.Branches.Count} branches", Shape(end ?? axes, total), 0));
                return (end ?? axes, total);
            }

            private (List<string>, int) Level(PoolLevel level, string path, List<string> axes, int width)
            {
                var o = level.Options;
                var name = $"{SpecJson.PoolName(level.Kind)} over {level.Over}";
                if (!spec.Axes.Contains(level.Over))
                {
                    Error(DiagnosticCodes.UnknownAxis, path + ".over", $"the input has no axis '{level.Over}'; its axes are [{string.Join(", ", spec.Axes)}]");
                    return (axes, width);
                }
                if (!axes.Contains(level.Over))
                {
                    Error(DiagnosticCodes.AxisOrder, path + ".over", $"axis '{level.Over}' is already reduced by an earlier level; each axis is pooled once");
                    return (axes, width);
                }
                if (axes[axes.Count - 1] != level.Over)
                {
                    Error(DiagnosticCodes.AxisOrder, path + ".over", $"levels reduce the innermost axis first: expected '{axes[axes.Count - 1]}' here, got '{level.Over}'");
                    return (axes, width);
                }
                long parameters = 0;
                if (level.Kind == PoolKind.ClsToken)
                {
                    if (o.AttentionHeads <= 0) Error(DiagnosticCodes.InvalidValue, path + ".attentionHeads", $"attention heads must be positive, got {o.AttentionHeads}");
                    else if (width % o.AttentionHeads != 0)
                    {
                        var fits = Enumerable.Range(1, System.Math.Min(width, 64)).Where(h => width % h == 0 && h >= o.AttentionHeads / 2 && h <= o.AttentionHeads * 2);
                        Error(DiagnosticCodes.HeadsDoNotDivide, path + ".attentionHeads",
                            $"{o.AttentionHeads} attention heads do not divide the width {width}; use a divisor of {width} such as {string.Join(" or ", fits.DefaultIfEmpty(1))}");
                    }
                    else if (width / o.AttentionHeads < 16)
                        Warn(DiagnosticCodes.NarrowAttentionHead, path + ".attentionHeads", $"each of the {o.AttentionHeads} heads is only {width / o.AttentionHeads} wide");
                    int h = o.AttentionHeads;
                    parameters += Claim(o.TokenKey, "cls token", width, 0, path + ".params.token", new[] { 1, 1, width });
                    parameters += Claim(o.AttentionKey + ".in_proj_weight", "cls attention", width, h, path + ".params.attention", new[] { 3 * width, width });
                    parameters += Claim(o.AttentionKey + ".in_proj_bias", "cls attention", width, h, path + ".params.attention", new[] { 3 * width });
                    parameters += Claim(o.AttentionKey + ".out_proj.weight", "cls attention", width, h, path + ".params.attention", new[] { width, width });
                    parameters += Claim(o.AttentionKey + ".out_proj.bias", "cls attention", width, h, path + ".params.attention", new[] { width });
                    parameters += Claim(o.NormKey + ".weight", "layer norm", width, 0, path + ".params.norm", new[] { width });
                    parameters += Claim(o.NormKey + ".bias", "layer norm", width, 0, path + ".params.norm", new[] { width });
                }
                if (level.Kind == PoolKind.GatedAttention)
                {
                    int hid = o.Hidden;
                    if (hid <= 0) Error(DiagnosticCodes.InvalidValue, path + ".hidden", $"gated-attention hidden size must be positive, got {hid}");
                    parameters += Claim(o.GateKey + "_V.weight", "gated attention", width, hid, path + ".params.gate", new[] { hid, width });
                    parameters += Claim(o.GateKey + "_V.bias", "gated attention", width, hid, path + ".params.gate", new[] { hid });
                    parameters += Claim(o.GateKey + "_U.weight", "gated attention", width, hid, path + ".params.gate", new[] { hid, width });
                    parameters += Claim(o.GateKey + "_U.bias", "gated attention", width, hid, path + ".params.gate", new[] { hid });
                    parameters += Claim(o.GateKey + "_w.weight", "gated attention", width, hid, path + ".params.gate", new[] { 1, hid });
                    parameters += Claim(o.GateKey + "_w.bias", "gated attention", width, hid, path + ".params.gate", new[] { 1 });
                }
                if (level.Kind == PoolKind.ClsToken || level.Kind == PoolKind.GatedAttention)
                {
                    if (o.Dropout < 0 || o.Dropout >= 1 || double.IsNaN(o.Dropout)) Error(DiagnosticCodes.InvalidValue, path + ".dropout", $"dropout must be in [0, 1), got {o.Dropout}");
                    else if (o.Dropout >= 0.5) Warn(DiagnosticCodes.HighDropout, path + ".dropout", $"dropout {o.Dropout} drops most attention weights");
                }
                var rest = axes.Take(axes.Count - 1).ToList();
                Rows.Add(new ShapeRow(path, name, Shape(rest, width), parameters));
                return (rest, width);
            }

            /// <summary>Registers a parameter tensor; a key seen before is shared (and must agree), so it adds nothing.</summary>
            private long Claim(string key, string role, int width, int detail, string path, int[] shape)
            {
                if (keys.TryGetValue(key, out var seen))
                {
                    if (seen.Role != role || seen.Width != width || seen.Detail != detail)
                        Error(DiagnosticCodes.SharedKeyConflict, path,
                            $"key '{key}' is already a {seen.Role} of width {seen.Width}{(seen.Detail > 0 ? $" ({seen.Detail})" : "")} at {seen.Path}; here it would be a {role} of width {width}{(detail > 0 ? $" ({detail})" : "")}. Give this level its own key");
                    return 0;
                }
                keys[key] = (role, width, detail, path);
                Tensors.Add(new KeyValuePair<string, int[]>(key, shape));
                return shape.Aggregate(1L, (a, b) => a * b);
            }

            private void Unused()
            {
                var used = new HashSet<string>(Tensors.Select(t => t.Key.Split('.')[0]));
                for (int i = 0; i < spec.UnusedParameters.Count; i++)
                {
                    var u = spec.UnusedParameters[i];
                    var p = $"unusedParameters[{i}]";
                    var segments = u.Key.Split('.');
                    if (segments.Any(seg => !Identifiers.IsSimpleName(seg)))
                        Error(DiagnosticCodes.InvalidValue, p + ".key", $"key '{u.Key}' must be dot-separated names of letters, digits and '_'");
                    else if (used.Contains(segments[0]))
                        Error(DiagnosticCodes.SharedKeyConflict, p + ".key", $"key '{u.Key}' lies under '{segments[0]}', which the model uses; an unused parameter needs a key of its own");
                    if (u.Shape.Any(d => d <= 0)) Error(DiagnosticCodes.InvalidValue, p + ".shape", $"dimensions must be positive, got [{string.Join(", ", u.Shape)}]");
                    Claim(u.Key, "unused", 0, 0, p, u.Shape.ToArray());
                }
                if (spec.UnusedParameters.Count > 0)
                    Rows.Add(new ShapeRow("unusedParameters", $"{spec.UnusedParameters.Count} unused tensors kept for state_dict compatibility (frozen)", "-",
                        spec.UnusedParameters.Sum(u => u.Shape.Aggregate(1L, (a, b) => a * b))));
            }

            private void Heads(int width)
            {
                if (spec.Heads.Count == 0) Error(DiagnosticCodes.NoHeads, "heads", "a model needs at least one head, e.g. { \"name\": \"cathEF\", \"task\": \"regression\", \"outputs\": 1 }");
                var mangled = new Dictionary<string, string>();
                for (int i = 0; i < spec.Heads.Count; i++)
                {
                    var h = spec.Heads[i];
                    var p = $"heads[{i}]";
                    if (!Identifiers.IsValidName(h.Name))
                        Error(DiagnosticCodes.InvalidHeadName, p + ".name", $"head name '{h.Name}' must start with a letter and hold only letters, digits, '_' or '-' (at most 64)");
                    else if (mangled.TryGetValue(Identifiers.Mangle(h.Name), out var other))
                        Error(DiagnosticCodes.DuplicateHead, p + ".name", other == h.Name ? $"head '{h.Name}' is declared twice" : $"head '{h.Name}' and head '{other}' both become the C# name '{Identifiers.Mangle(h.Name)}'");
                    else if (Identifiers.GeneratedOutputMembers.Contains(Identifiers.Mangle(h.Name)))
                        Error(DiagnosticCodes.InvalidHeadName, p + ".name", $"head '{h.Name}' becomes the C# name '{Identifiers.Mangle(h.Name)}', which the generated Output record already has; rename it");
                    else mangled[Identifiers.Mangle(h.Name)] = h.Name;
                    switch (h.Task)
                    {
                        case TaskKind.Regression when h.Outputs < 1:
                            Error(DiagnosticCodes.InvalidOutputs, p + ".outputs", $"a regression head has at least 1 output, got {h.Outputs}"); break;
                        case TaskKind.Binary when h.Outputs != 1 && h.Outputs != 2:
                            Error(DiagnosticCodes.InvalidOutputs, p + ".outputs", $"a binary head has 1 output (a logit) or 2 (column 1 is the positive logit), got {h.Outputs}"); break;
                        case TaskKind.Multiclass when h.Outputs < 2:
                            Error(DiagnosticCodes.InvalidOutputs, p + ".outputs", $"a multiclass head has at least 2 outputs, got {h.Outputs}; use a binary head for one logit"); break;
                    }
                    var allowed = h.Task == TaskKind.Regression ? new[] { LossKind.Mse, LossKind.Mae, LossKind.Rmse, LossKind.Huber }
                        : h.Task == TaskKind.Binary ? new[] { LossKind.Bce, LossKind.Focal } : new[] { LossKind.Ce, LossKind.Focal };
                    if (!allowed.Contains(h.Loss))
                        Error(DiagnosticCodes.InvalidValue, p + ".loss", $"loss '{SpecJson.LossName(h.Loss)}' does not fit a {SpecJson.TaskName(h.Task)} head; use one of {string.Join(", ", allowed.Select(SpecJson.LossName))}");
                    if (h.Weight < 0 || double.IsNaN(h.Weight) || double.IsInfinity(h.Weight))
                        Error(DiagnosticCodes.InvalidValue, p + ".weight", $"a loss weight is finite and non-negative, got {h.Weight}");
                    else if (h.Weight == 0)
                        Warn(DiagnosticCodes.AtypicalLoss, p + ".weight", $"head '{h.Name}' has loss weight 0, so its loss trains nothing; drop the head or give it a weight");
                    long parameters = Claim(h.Key + ".weight", "head", width, h.Outputs, p, new[] { h.Outputs, width })
                                    + Claim(h.Key + ".bias", "head", width, h.Outputs, p, new[] { h.Outputs });
                    Rows.Add(new ShapeRow(h.Key, $"{SpecJson.TaskName(h.Task)} head ({SpecJson.LossName(h.Loss)})", $"[B, {h.Outputs}]", parameters));
                }
            }
        }
    }
}
