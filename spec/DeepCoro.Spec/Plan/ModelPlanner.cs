using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Spec
{
    /// <summary>
    /// The one walk of a spec: tracks the remaining axes and the feature width, checks every rule (diagnostics with
    /// JSON paths), claims each module once under its key (a key met again is shared and must agree), and records
    /// the pooling steps with what each one's block is built from, and the heads.
    /// </summary>
    internal sealed class ModelPlanner
    {
        // A gated-attention level's three Linears sit under its gate key with these suffixes (the reference's
        // attention_V/U/w).
        private const string GateValue = "_V", GateGate = "_U", GateWeight = "_w";

        private readonly ModelSpec spec;
        private readonly List<SpecDiagnostic> diagnostics = new List<SpecDiagnostic>();
        private readonly List<ShapeRow> rows = new List<ShapeRow>();
        private readonly Dictionary<string, Claimed> claimed = new Dictionary<string, Claimed>();
        private readonly List<PlanStep.Pool> pools = new List<PlanStep.Pool>();
        private readonly List<HeadSpec> heads = new List<HeadSpec>();

        /// <summary>A module as first claimed, with what sharing it must agree on and the axes of the levels using
        /// it.</summary>
        private sealed class Claimed
        {
            public PlannedModule Module = null!;
            public string What = "";
            public int Detail;
            public string Path = "";
            public int Order;
            public readonly List<string> UsedBy = new List<string>();
            public readonly HashSet<string> Axes = new HashSet<string>();
        }

        private ModelPlanner(ModelSpec spec) { this.spec = spec; }

        public static ModelPlan Resolve(ModelSpec spec) => new ModelPlanner(spec).Run();

        /// <summary>Where a finding points: the JSON path, and the typed field with its index.</summary>
        private readonly struct Site
        {
            public readonly string Path;
            public readonly SpecField Field;
            public readonly int Index;

            public Site(string path, SpecField field, int index = -1) { Path = path; Field = field; Index = index; }
        }

        private static Site At(string path, SpecField field, int index = -1) => new Site(path, field, index);

        private void Error(string code, Site at, string message) =>
            diagnostics.Add(new SpecDiagnostic(code, Severity.Error, at.Path, message, Field: at.Field, Index: at.Index));

        private void Warn(string code, Site at, string message) =>
            diagnostics.Add(new SpecDiagnostic(code, Severity.Warning, at.Path, message, Field: at.Field, Index: at.Index));

        private ModelPlan Run()
        {
            var d = spec.EmbeddingDim;
            if (d <= 0) Error(DiagnosticCodes.InvalidValue, At("embeddingDim", SpecField.EmbeddingDim), $"embedding dim must be positive, got {d}");
            else if (d > MaxDimension) TooWide(At("embeddingDim", SpecField.EmbeddingDim), $"embedding dim {d} is above {MaxDimension}, more than any encoder gives");
            if (!Identifiers.IsSimpleName(spec.Name)) Error(DiagnosticCodes.InvalidValue, At("name", SpecField.Name), $"model name '{spec.Name}' must start with a letter and hold only letters, digits and '_'");
            else if (Identifiers.GeneratedModelMembers.Contains(spec.Name)) Error(DiagnosticCodes.InvalidValue, At("name", SpecField.Name), $"model name '{spec.Name}' is also a member of the generated C# class; choose another name");
            if (spec.Axes.Count == 0) Error(DiagnosticCodes.InvalidValue, At("axes", SpecField.Axes), "at least one input axis is needed (e.g. [\"videos\"] or [\"videos\", \"tokens\"])");
            for (var i = 0; i < spec.Axes.Count; i++)
            {
                if (!Identifiers.IsSimpleName(spec.Axes[i])) Error(DiagnosticCodes.InvalidValue, At($"axes[{i}]", SpecField.Axes, i), $"axis name '{spec.Axes[i]}' must start with a letter and hold only letters, digits and '_'");
                if (spec.Axes.Take(i).Contains(spec.Axes[i])) Error(DiagnosticCodes.InvalidValue, At($"axes[{i}]", SpecField.Axes, i), $"axis '{spec.Axes[i]}' is declared twice");
            }
            rows.Add(new ShapeRow("input", "x", Shape(spec.Axes, d), 0));
            if (spec.ViewEmbedding is { } view)
            {
                if (view.Classes <= 0) Error(DiagnosticCodes.InvalidValue, At("viewEmbedding.classes", SpecField.ViewEmbedding), $"view classes must be positive, got {view.Classes}");
                else if (view.Classes > MaxDimension) TooWide(At("viewEmbedding.classes", SpecField.ViewEmbedding), $"{view.Classes} view classes, above {MaxDimension}");
                var p = Claim(view.Key, ModuleKind.Embedding, ParameterRole.ViewEmbedding, "viewEmbedding", view.Classes + 1, d, view.Classes,
                    At("viewEmbedding", SpecField.ViewEmbedding), null);
                rows.Add(new ShapeRow("viewEmbedding", $"view embedding ({view.Classes} views + padding)", Shape(spec.Axes, d), p));
            }
            var (steps, remaining, width) = Stages(spec.Pooling, "pooling", spec.Axes.ToList(), d);
            if (remaining.Count > 0)
            {
                Error(DiagnosticCodes.UnreducedAxes, At("pooling", SpecField.Pooling),
                    $"the pooling leaves axes [{string.Join(", ", remaining)}] unreduced; add levels over them, innermost first (next: '{remaining[remaining.Count - 1]}')");
            }

            Heads(width);
            Unused();
            var modules = Ordered();
            var planned = heads.Select(h => new PlannedHead(h.Name, h.Task, h.Loss, h.Outputs, h.Dropout, modules.First(m => m.Key == h.Key)));
            return new ModelPlan(spec, modules, steps.ToEquatableList(), pools.ToEquatableList(), planned.ToEquatableList(), width, rows.ToEquatableList(),
                diagnostics.ToEquatableList());
        }

        private static string Shape(IEnumerable<string> axes, int width) => "[" + string.Join(", ", new[] { "B" }.Concat(axes).Concat(new[] { width.ToString() })) + "]";

        private (List<PlanStep> Steps, List<string> Remaining, int Width) Stages(IReadOnlyList<PoolStage> stages, string path, List<string> axes, int width)
        {
            var steps = new List<PlanStep>();
            for (var i = 0; i < stages.Count; i++)
            {
                var p = $"{path}[{i}]";
                PlanStep? step = null;
                switch (stages[i])
                {
                    case PoolLevel level: (step, axes, width) = Level(level, p, axes, width); break;
                    case ConcatStage concat: (step, axes, width) = Concat(concat, p, axes, width); break;
                }
                if (step != null) steps.Add(step);
            }
            return (steps, axes, width);
        }

        private (PlanStep?, List<string>, int) Concat(ConcatStage concat, string path, List<string> axes, int width)
        {
            if (concat.Branches.Count < 2)
            {
                Error(DiagnosticCodes.ConcatMismatch, At(path + ".concat", SpecField.Concat), "a concat needs at least two branches");
                return (null, axes, width);
            }
            List<string>? end = null;
            var total = 0;
            var branches = new List<EquatableList<PlanStep>>();
            for (var b = 0; b < concat.Branches.Count; b++)
            {
                var bp = $"{path}.concat[{b}]";
                if (concat.Branches[b].Count == 0) { Error(DiagnosticCodes.ConcatMismatch, At(bp, SpecField.Concat, b), "a concat branch needs at least one level"); continue; }
                var (steps, rest, w) = Stages(concat.Branches[b], bp, axes.ToList(), width);
                if (end == null) end = rest;
                else if (!end.SequenceEqual(rest))
                    Error(DiagnosticCodes.ConcatMismatch, At(bp, SpecField.Concat, b), $"this branch leaves [{string.Join(", ", rest)}] but the first leaves [{string.Join(", ", end)}]; every branch must reduce the same axes");
                branches.Add(steps.ToEquatableList());
                total += w;
            }
            rows.Add(new ShapeRow(path, $"concat of {concat.Branches.Count} branches", Shape(end ?? axes, total), 0));
            return (new PlanStep.Concat(path, branches.ToEquatableList(), total), end ?? axes, total);
        }

        private (PlanStep?, List<string>, int) Level(PoolLevel level, string path, List<string> axes, int width)
        {
            var o = level.Options;
            var name = $"{SpecJson.PoolName(level.Kind)} over {level.Over}";
            if (!spec.Axes.Contains(level.Over))
            {
                Error(DiagnosticCodes.UnknownAxis, At(path + ".over", SpecField.Over, pools.Count), $"the input has no axis '{level.Over}'; its axes are [{string.Join(", ", spec.Axes)}]");
                return (null, axes, width);
            }
            if (!axes.Contains(level.Over))
            {
                Error(DiagnosticCodes.AxisOrder, At(path + ".over", SpecField.Over, pools.Count), $"axis '{level.Over}' is already reduced by an earlier level; each axis is pooled once");
                return (null, axes, width);
            }
            if (axes[axes.Count - 1] != level.Over)
            {
                Error(DiagnosticCodes.AxisOrder, At(path + ".over", SpecField.Over, pools.Count), $"levels reduce the innermost axis first: expected '{axes[axes.Count - 1]}' here, got '{level.Over}'");
                return (null, axes, width);
            }
            long parameters = 0;
            var index = pools.Count;
            var masked = level.Over == spec.MaskedAxis;
            PlanStep.Pool step;
            switch (level.Kind)
            {
                case PoolKind.ClsToken:
                    if (o.AttentionHeads <= 0)
                    {
                        Error(DiagnosticCodes.InvalidValue, At(path + ".attentionHeads", SpecField.AttentionHeads, pools.Count), $"attention heads must be positive, got {o.AttentionHeads}");
                    }
                    else if (width % o.AttentionHeads != 0)
                    {
                        var fits = Enumerable.Range(1, System.Math.Min(width, 64)).Where(h => width % h == 0 && h >= o.AttentionHeads / 2 && h <= o.AttentionHeads * 2);
                        Error(DiagnosticCodes.HeadsDoNotDivide, At(path + ".attentionHeads", SpecField.AttentionHeads, pools.Count),
                            $"{o.AttentionHeads} attention heads do not divide the width {width}; use a divisor of {width} such as {string.Join(" or ", fits.DefaultIfEmpty(1))}");
                    }
                    else if (width / o.AttentionHeads < 16)
                    {
                        Warn(DiagnosticCodes.NarrowAttentionHead, At(path + ".attentionHeads", SpecField.AttentionHeads, pools.Count), $"each of the {o.AttentionHeads} heads is only {width / o.AttentionHeads} wide");
                    }

                    parameters += Claim(o.TokenKey, ModuleKind.Token, ParameterRole.ClsToken, "cls token", width, width, 0,
                        At(path + ".params.token", SpecField.Params, pools.Count), level.Over);
                    parameters += Claim(o.AttentionKey, ModuleKind.Attention, ParameterRole.Attention, "cls attention", width, width, o.AttentionHeads, At(path + ".params.attention", SpecField.Params, pools.Count), level.Over);
                    parameters += Claim(o.NormKey, ModuleKind.Norm, ParameterRole.Norm, "layer norm", width, width, 0,
                        At(path + ".params.norm", SpecField.Params, pools.Count), level.Over);
                    step = new PlanStep.Cls(path, index, level.Over, masked, o.TokenKey, o.AttentionKey, o.NormKey, o.AttentionHeads, o.Norm, o.Dropout, width);
                    break;
                case PoolKind.GatedAttention:
                    var hid = o.Hidden;
                    if (hid <= 0) Error(DiagnosticCodes.InvalidValue, At(path + ".hidden", SpecField.Hidden, pools.Count), $"gated-attention hidden size must be positive, got {hid}");
                    else if (hid > MaxDimension) TooWide(At(path + ".hidden", SpecField.Hidden, pools.Count), $"gated-attention hidden size {hid} is above {MaxDimension}");
                    string v = o.GateKey + GateValue, u = o.GateKey + GateGate, w = o.GateKey + GateWeight;
                    parameters += Claim(v, ModuleKind.Linear, ParameterRole.Gate, "gated attention", width, hid, hid,
                        At(path + ".params.gate", SpecField.Params, pools.Count), level.Over);
                    parameters += Claim(u, ModuleKind.Linear, ParameterRole.Gate, "gated attention", width, hid, hid,
                        At(path + ".params.gate", SpecField.Params, pools.Count), level.Over);
                    parameters += Claim(w, ModuleKind.Linear, ParameterRole.Gate, "gated attention", hid, 1, hid,
                        At(path + ".params.gate", SpecField.Params, pools.Count), level.Over);
                    step = new PlanStep.GatedAttention(path, index, level.Over, masked, v, u, w, o.Dropout, width);
                    break;
                case PoolKind.Max:
                    step = new PlanStep.Max(path, index, level.Over, masked, width);
                    break;
                default:
                    step = new PlanStep.Mean(path, index, level.Over, masked, width);
                    break;
            }
            if (level.Kind == PoolKind.ClsToken || level.Kind == PoolKind.GatedAttention)
            {
                if (o.Dropout < 0 || o.Dropout >= 1 || double.IsNaN(o.Dropout)) Error(DiagnosticCodes.InvalidValue, At(path + ".dropout", SpecField.Dropout, pools.Count), $"dropout must be in [0, 1), got {o.Dropout}");
                else if (o.Dropout >= 0.5) Warn(DiagnosticCodes.HighDropout, At(path + ".dropout", SpecField.Dropout, pools.Count), $"dropout {o.Dropout} drops most attention weights");
            }
            var rest = axes.Take(axes.Count - 1).ToList();
            rows.Add(new ShapeRow(path, name, Shape(rest, width), parameters));
            pools.Add(step);
            return (step, rest, width);
        }

        private void Heads(int width)
        {
            if (spec.Heads.Count == 0) Error(DiagnosticCodes.NoHeads, At("heads", SpecField.Heads), "a model needs at least one head, e.g. { \"name\": \"cathEF\", \"task\": \"regression\", \"outputs\": 1 }");
            var mangled = new Dictionary<string, string>();
            for (var i = 0; i < spec.Heads.Count; i++)
            {
                var h = spec.Heads[i];
                var p = $"heads[{i}]";
                if (!Identifiers.IsValidName(h.Name))
                    Error(DiagnosticCodes.InvalidHeadName, At(p + ".name", SpecField.HeadName, i), $"head name '{h.Name}' must start with a letter and hold only letters, digits, '_' or '-' (at most 64)");
                else if (mangled.TryGetValue(Identifiers.Mangle(h.Name), out var other))
                    Error(DiagnosticCodes.DuplicateHead, At(p + ".name", SpecField.HeadName, i), other == h.Name ? $"head '{h.Name}' is declared twice" : $"head '{h.Name}' and head '{other}' both become the C# name '{Identifiers.Mangle(h.Name)}'");
                else if (Identifiers.GeneratedOutputMembers.Contains(Identifiers.Mangle(h.Name)))
                    Error(DiagnosticCodes.InvalidHeadName, At(p + ".name", SpecField.HeadName, i), $"head '{h.Name}' becomes the C# name '{Identifiers.Mangle(h.Name)}', which the generated Output record already has; rename it");
                else mangled[Identifiers.Mangle(h.Name)] = h.Name;
                switch (h.Task)
                {
                    case TaskKind.Regression when h.Outputs < 1:
                        Error(DiagnosticCodes.InvalidOutputs, At(p + ".outputs", SpecField.Outputs, i), $"a regression head has at least 1 output, got {h.Outputs}"); break;
                    case TaskKind.Binary when h.Outputs != 1 && h.Outputs != 2:
                        Error(DiagnosticCodes.InvalidOutputs, At(p + ".outputs", SpecField.Outputs, i), $"a binary head has 1 output (a logit) or 2 (column 1 is the positive logit), got {h.Outputs}"); break;
                    case TaskKind.Multiclass when h.Outputs < 2:
                        Error(DiagnosticCodes.InvalidOutputs, At(p + ".outputs", SpecField.Outputs, i), $"a multiclass head has at least 2 outputs, got {h.Outputs}; use a binary head for one logit"); break;
                }
                SurvivalHead(h, p, i);
                var allowed = h.Task == TaskKind.Regression ? new[] { LossKind.Mse, LossKind.Mae, LossKind.Rmse, LossKind.Huber }
                    : h.Task == TaskKind.Binary ? new[] { LossKind.Bce, LossKind.Focal }
                    : h.Task == TaskKind.Survival ? new[] { LossKind.Cox, LossKind.DiscreteTime } : new[] { LossKind.Ce, LossKind.Focal };
                if (!allowed.Contains(h.Loss))
                    Error(DiagnosticCodes.InvalidValue, At(p + ".loss", SpecField.Loss, i), $"loss '{SpecJson.LossName(h.Loss)}' does not fit a {SpecJson.TaskName(h.Task)} head; use one of {string.Join(", ", allowed.Select(SpecJson.LossName))}");
                if (h.Weight < 0 || double.IsNaN(h.Weight) || double.IsInfinity(h.Weight))
                    Error(DiagnosticCodes.InvalidValue, At(p + ".weight", SpecField.Weight, i), $"a loss weight is finite and non-negative, got {h.Weight}");
                else if (h.Weight == 0)
                    Warn(DiagnosticCodes.ZeroLossWeight, At(p + ".weight", SpecField.Weight, i), $"head '{h.Name}' has loss weight 0, so its loss trains nothing; drop the head or give it a weight");
                if (h.Dropout < 0 || h.Dropout >= 1 || double.IsNaN(h.Dropout))
                    Error(DiagnosticCodes.InvalidValue, At(p + ".dropout", SpecField.HeadDropout, i), $"dropout must be in [0, 1), got {h.Dropout}");
                else if (h.Dropout >= 0.5) Warn(DiagnosticCodes.HighDropout, At(p + ".dropout", SpecField.HeadDropout, i), $"dropout {h.Dropout} drops most pooled features before head '{h.Name}'");
                var parameters = Claim(h.Key, ModuleKind.Linear, ParameterRole.Head, "head", width, h.Outputs, h.Outputs, At(p, SpecField.Heads, i), null);
                heads.Add(h);
                var bounds = h.Intervals is { Count: > 0 } b ? " at " + string.Join(", ", b.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) : "";
                rows.Add(new ShapeRow(h.Key, $"{SpecJson.TaskName(h.Task)} head ({SpecJson.LossName(h.Loss)}{bounds})", $"[B, {h.Outputs}]", parameters));
            }
        }

        /// <summary>
        /// A survival head's form: Cox has one output (the risk score) and no intervals; discrete_time one output per
        /// interval, whose bounds are positive and strictly increasing. Only survival heads have intervals.
        /// </summary>
        private void SurvivalHead(HeadSpec h, string p, int i)
        {
            if (h.Task != TaskKind.Survival)
            {
                if (h.Intervals != null) Error(DiagnosticCodes.InvalidValue, At(p + ".intervals", SpecField.Intervals, i), $"head '{h.Name}' is a {SpecJson.TaskName(h.Task)} head; only survival heads have intervals");
                return;
            }
            if (h.Loss == LossKind.Cox)
            {
                if (h.Outputs != 1) Error(DiagnosticCodes.InvalidOutputs, At(p + ".outputs", SpecField.Outputs, i), $"a Cox survival head has 1 output (the risk score), got {h.Outputs}");
                if (h.Intervals != null) Error(DiagnosticCodes.InvalidValue, At(p + ".intervals", SpecField.Intervals, i), $"a Cox survival head has no intervals; use loss discrete_time for interval hazards");
                return;
            }
            if (h.Loss != LossKind.DiscreteTime) return;
            if (h.Intervals == null || h.Intervals.Count == 0)
            {
                Error(DiagnosticCodes.InvalidValue, At(p + ".intervals", SpecField.Intervals, i), $"a discrete_time survival head needs at least one interval bound, e.g. [30, 180, 365, 730]");
                return;
            }
            for (var k = 0; k < h.Intervals.Count; k++)
            {
                var a = h.Intervals[k];
                if (!(a > 0) || double.IsInfinity(a))
                    Error(DiagnosticCodes.InvalidValue, At($"{p}.intervals[{k}]", SpecField.Intervals, i), $"interval bounds are positive finite times, got {a}");
                else if (k > 0 && !(a > h.Intervals[k - 1]))
                    Error(DiagnosticCodes.InvalidValue, At($"{p}.intervals[{k}]", SpecField.Intervals, i), $"interval bounds increase strictly, got {a} after {h.Intervals[k - 1]}");
            }
            if (h.Outputs != h.Intervals.Count)
                Error(DiagnosticCodes.InvalidOutputs, At(p + ".outputs", SpecField.Outputs, i), $"a discrete_time survival head has one output per interval: {h.Intervals.Count}, got {h.Outputs}");
        }

        /// <summary>
        /// Claims a module under <paramref name="key"/> and returns the parameters it adds: none when the key was
        /// claimed before (shared), which must then be the same kind of module of the same sizes.
        /// </summary>
        private long Claim(string key, ModuleKind kind, ParameterRole role, string what, int input, int output, int detail, Site at, string? axis)
        {
            // the step (or head) that uses the module: the path without the parameter field a diagnostic points at
            var user = at.Path.Contains(".params.") ? at.Path.Substring(0, at.Path.IndexOf(".params.", System.StringComparison.Ordinal)) : at.Path;
            if (claimed.TryGetValue(key, out var seen))
            {
                if (seen.What != what || seen.Module.Input != input || seen.Module.Output != output || seen.Detail != detail)
                {
                    int width = kind == ModuleKind.Linear ? input : output, seenWidth = seen.Module.Kind == ModuleKind.Linear ? seen.Module.Input : seen.Module.Output;
                    Error(DiagnosticCodes.SharedKeyConflict, at,
                        $"key '{key}' is already a {seen.What} of width {seenWidth}{(seen.Detail > 0 ? $" ({seen.Detail})" : "")} at {seen.Path}; here it would be a {what} of width {width}{(detail > 0 ? $" ({detail})" : "")}. Give this level its own key");
                }
                seen.UsedBy.Add(user);
                if (axis != null) seen.Axes.Add(axis);
                return 0;
            }
            var module = new PlannedModule(key, kind, role, LevelScope.None, input, output, PlannedModule.ParametersOf(key, kind, input, output), EquatableList<string>.Empty);
            var entry = new Claimed { Module = module, What = what, Detail = detail, Path = at.Path, Order = claimed.Count };
            entry.UsedBy.Add(user);
            if (axis != null) entry.Axes.Add(axis);
            claimed[key] = entry;
            foreach (var p in module.Parameters) CheckSize(p, at);
            return module.Parameters.Sum(p => p.Count);
        }

        /// <summary>Above this a width is a typo; below it, products of widths (3 D for in_proj) stay within
        /// int.</summary>
        private const int MaxDimension = 1 << 20;

        /// <summary>2 GiB of float32: the most one tensor's data spans here (safetensors data is read and written
        /// through spans, whose length is an int).</summary>
        private const long MaxTensorElements = (1L << 31) / 4;

        /// <summary>Set once a width is above <see cref="MaxDimension"/>: the tensors it makes too large say nothing
        /// more.</summary>
        private bool tooWide;

        private void TooWide(Site at, string message)
        {
            Error(DiagnosticCodes.InvalidValue, at, message);
            tooWide = true;
        }

        private void CheckSize(PlannedParameter p, Site at)
        {
            if (!tooWide && p.Shape.All(x => x > 0) && p.Count > MaxTensorElements)
                Error(DiagnosticCodes.InvalidValue, at, $"parameter '{p.Key}' [{string.Join(", ", p.Shape)}] would hold {p.Count} values; one tensor holds at most {MaxTensorElements} (2 GiB of float32)");
        }

        private void Unused()
        {
            var used = new HashSet<string>(claimed.Keys.Select(k => k.Split('.')[0]));
            var groups = new Dictionary<string, List<PlannedParameter>>();
            for (var i = 0; i < spec.UnusedParameters.Count; i++)
            {
                var u = spec.UnusedParameters[i];
                var p = $"unusedParameters[{i}]";
                var segments = u.Key.Split('.');
                var valid = true;
                if (segments.Any(seg => !Identifiers.IsSimpleName(seg)))
                {
                    Error(DiagnosticCodes.InvalidValue, At(p + ".key", SpecField.UnusedParameters, i), $"key '{u.Key}' must be dot-separated names of letters, digits and '_'");
                    valid = false;
                }
                else if (used.Contains(segments[0]))
                {
                    Error(DiagnosticCodes.SharedKeyConflict, At(p + ".key", SpecField.UnusedParameters, i), $"key '{u.Key}' lies under '{segments[0]}', which the model uses; an unused parameter needs a key of its own");
                    valid = false;
                }
                if (u.Shape.Any(d => d <= 0))
                {
                    Error(DiagnosticCodes.InvalidValue, At(p + ".shape", SpecField.UnusedParameters, i), $"dimensions must be positive, got [{string.Join(", ", u.Shape)}]");
                    valid = false;
                }
                if (!valid) continue;
                CheckSize(new PlannedParameter(u.Key, u.Shape), At(p + ".shape", SpecField.UnusedParameters, i));
                // a key is one root parameter or lies under a holder module named by its first segment, never both
                var module = segments[0];
                if (!groups.TryGetValue(module, out var list)) groups[module] = list = new List<PlannedParameter>();
                if (list.Any(x => x.Key == u.Key)) Error(DiagnosticCodes.SharedKeyConflict, At(p + ".key", SpecField.UnusedParameters, i), $"key '{u.Key}' is listed twice");
                else if (list.Count > 0 && (segments.Length == 1 || list.Any(x => x.Key == module)))
                    Error(DiagnosticCodes.SharedKeyConflict, At(p + ".key", SpecField.UnusedParameters, i), $"key '{u.Key}' and key '{list[0].Key}' would make '{module}' both a parameter and a module");
                else list.Add(new PlannedParameter(u.Key, u.Shape));
            }
            foreach (var group in groups)
            {
                var (role, scope) = ReferenceNames.RoleOf(group.Key);
                var module = new PlannedModule(group.Key, ModuleKind.Unused, role, scope, 0, 0, group.Value.ToEquatableList(), EquatableList<string>.Empty);
                claimed[group.Key] = new Claimed { Module = module, What = "unused", Path = "unusedParameters", Order = claimed.Count };
            }
            if (spec.UnusedParameters.Count > 0)
            {
                rows.Add(new ShapeRow("unusedParameters", $"{spec.UnusedParameters.Count} unused tensors kept for state_dict compatibility (frozen)", "-",
                    spec.UnusedParameters.Sum(u => u.Shape.Aggregate(1L, (a, b) => a * b))));
            }
        }

        /// <summary>
        /// The modules in state_dict order: parameters of the model itself first (as PyTorch and TorchSharp list
        /// them), then by role, inner levels before outer ones, then in the order the walk met them. This is the
        /// order DeepCORO_CLIP's MultiInstanceLinearProbing declares its modules in.
        /// </summary>
        private EquatableList<PlannedModule> Ordered() =>
            claimed.Values
                .Select(c => c.Module.Kind == ModuleKind.Unused
                    ? (c.Module, c.Order)
                    : (c.Module with { Scope = ScopeOf(c), UsedBy = c.UsedBy.ToEquatableList() }, c.Order))
                .OrderBy(x => x.Item1.IsRootParameter ? 0 : 1)
                .ThenBy(x => x.Item1.Role)
                .ThenBy(x => x.Item1.Scope)
                .ThenBy(x => x.Order)
                .Select(x => x.Item1)
                .ToEquatableList();

        private LevelScope ScopeOf(Claimed c) =>
            c.Axes.Count == 0 ? LevelScope.None : c.Axes.Contains(spec.MaskedAxis) ? LevelScope.Across : LevelScope.Within;
    }
}
