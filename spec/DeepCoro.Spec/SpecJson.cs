using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using DeepCoro.Spec.Json;

namespace DeepCoro.Spec
{
    /// <summary>Reads and writes the IR's JSON form (documented in docs/spec-ir.md).</summary>
    public static class SpecJson
    {
        private static readonly string[] TopFields = { "irVersion", "name", "embeddingDim", "axes", "viewEmbedding", "pooling", "heads", "unusedParameters" };
        private static readonly string[] ViewFields = { "classes", "key" };
        private static readonly string[] HeadFields = { "name", "task", "outputs", "loss", "weight", "dropout", "intervals" };
        private static readonly string[] ParamFieldsCls = { "token", "attention", "norm" };
        private static readonly string[] ParamFieldsGate = { "gate" };

        private static readonly Dictionary<string, PoolKind> PoolNames = new Dictionary<string, PoolKind>
        { ["mean"] = PoolKind.Mean, ["max"] = PoolKind.Max, ["gatedAttention"] = PoolKind.GatedAttention, ["clsToken"] = PoolKind.ClsToken };
        private static readonly Dictionary<string, TaskKind> TaskNames = new Dictionary<string, TaskKind>
        { ["regression"] = TaskKind.Regression, ["binary"] = TaskKind.Binary, ["multiclass"] = TaskKind.Multiclass, ["survival"] = TaskKind.Survival };
        private static readonly Dictionary<string, LossKind> LossNames = new Dictionary<string, LossKind>
        {
            ["mse"] = LossKind.Mse,
            ["mae"] = LossKind.Mae,
            ["rmse"] = LossKind.Rmse,
            ["huber"] = LossKind.Huber,
            ["bce"] = LossKind.Bce,
            ["ce"] = LossKind.Ce,
            ["focal"] = LossKind.Focal,
            ["cox"] = LossKind.Cox,
            ["discrete_time"] = LossKind.DiscreteTime,
        };
        private static readonly Dictionary<string, NormPlacement> NormNames = new Dictionary<string, NormPlacement>
        { ["pre"] = NormPlacement.Pre, ["post"] = NormPlacement.Post };

        public static string PoolName(PoolKind k) => PoolNames.First(p => p.Value == k).Key;
        public static string TaskName(TaskKind k) => TaskNames.First(p => p.Value == k).Key;
        public static string LossName(LossKind k) => LossNames.First(p => p.Value == k).Key;
        public static string NormName(NormPlacement k) => NormNames.First(p => p.Value == k).Key;

        /// <summary>Reads a spec and validates it; diagnostics carry
        /// the line and column of the field at fault.</summary>
        public static SpecReadResult Read(string text)
        {
            JsonValue root;
            try { root = JsonParser.Parse(text); }
            catch (JsonParseException e)
            {
                return new SpecReadResult(null, new[] { new SpecDiagnostic(DiagnosticCodes.Malformed, Severity.Error, "$", e.Message, e.Line, e.Column) });
            }
            var reader = new Reader();
            var spec = reader.ReadModel(root);
            if (spec == null || reader.Diagnostics.Any(d => d.Severity == Severity.Error))
                return new SpecReadResult(null, reader.Diagnostics);
            var plan = ModelPlan.Of(spec);
            var all = reader.Diagnostics.Concat(plan.Diagnostics.Select(d => reader.Locate(d))).ToList();
            var valid = !all.Any(d => d.Severity == Severity.Error);
            return new SpecReadResult(valid ? spec : null, all, valid ? plan : null);
        }

        /// <summary>Reads a valid spec or throws a <see cref="SpecException"/> listing every error,
        /// prefixed with <paramref name="source"/>.</summary>
        public static ModelSpec Parse(string text, string source) => ParsePlan(text, source).Spec;

        /// <summary>Reads a valid spec, resolved, or throws a <see cref="SpecException"/> listing every error,
        /// prefixed with <paramref name="source"/>.</summary>
        public static ModelPlan ParsePlan(string text, string source)
        {
            var result = Read(text);
            if (result.HasErrors) throw new SpecException(source, result.Diagnostics);
            return result.Plan!;
        }

        private sealed class Reader
        {
            public readonly List<SpecDiagnostic> Diagnostics = new List<SpecDiagnostic>();
            private readonly Dictionary<string, (int, int)> positions = new Dictionary<string, (int, int)>();

            public SpecDiagnostic Locate(SpecDiagnostic d)
            {
                var path = d.Path;
                while (true)
                {
                    if (positions.TryGetValue(path, out var p)) return d with { Line = p.Item1, Column = p.Item2 };
                    var cut = System.Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
                    if (cut <= 0) return d;
                    path = path.Substring(0, cut);
                }
            }

            private void Error(string code, string path, JsonValue at, string message) =>
                Diagnostics.Add(new SpecDiagnostic(code, Severity.Error, path, message, at.Line, at.Column));

            private void Mark(string path, JsonValue v) => positions[path] = (v.Line, v.Column);

            private bool CheckFields(JsonValue obj, string path, string[] known)
            {
                var ok = true;
                foreach (var m in obj.Members)
                {
                    if (known.Contains(m.Key)) continue;
                    Error(DiagnosticCodes.UnknownField, Join(path, m.Key), m.Value, $"unknown field '{m.Key}': {Suggestions.Hint(m.Key, known)}");
                    ok = false;
                }
                return ok;
            }

            private static string Join(string path, string key) => path == "" ? key : path + "." + key;

            private JsonValue? Field(JsonValue obj, string path, string key, JsonKind kind, bool required)
            {
                var v = obj.Get(key);
                var p = Join(path, key);
                if (v == null)
                {
                    if (required) Error(DiagnosticCodes.Malformed, p, obj, $"required field '{key}' is missing");
                    return null;
                }
                Mark(p, v);
                if (v.Kind != kind)
                {
                    Error(DiagnosticCodes.Malformed, p, v, $"expected {Article(kind)} but found {Article(v.Kind)}");
                    return null;
                }
                return v;
            }

            private static string Article(JsonKind k) => k switch
            {
                JsonKind.Object => "an object",
                JsonKind.Array => "an array",
                JsonKind.String => "a string",
                JsonKind.Number => "a number",
                JsonKind.Bool => "true or false",
                _ => "null",
            };

            private int? Int(JsonValue obj, string path, string key, bool required)
            {
                var v = Field(obj, path, key, JsonKind.Number, required);
                if (v == null) return null;
                if (v.Number != System.Math.Floor(v.Number) || System.Math.Abs(v.Number) > int.MaxValue)
                {
                    Error(DiagnosticCodes.Malformed, Join(path, key), v, $"expected an integer but found {v.Text}");
                    return null;
                }
                return (int)v.Number;
            }

            private T? Enum<T>(JsonValue obj, string path, string key, Dictionary<string, T> names, bool required) where T : struct
            {
                var v = Field(obj, path, key, JsonKind.String, required);
                if (v == null) return null;
                if (names.TryGetValue(v.Text, out var value)) return value;
                Error(DiagnosticCodes.InvalidValue, Join(path, key), v, $"'{v.Text}' is not one of {string.Join(", ", names.Keys)}; {Suggestions.Hint(v.Text, names.Keys)}");
                return null;
            }

            public ModelSpec? ReadModel(JsonValue root)
            {
                if (root.Kind != JsonKind.Object)
                {
                    Error(DiagnosticCodes.Malformed, "$", root, "a spec is a JSON object");
                    return null;
                }
                CheckFields(root, "", TopFields);
                var version = Int(root, "", "irVersion", true);
                if (version != null && version != ModelSpec.CurrentIrVersion)
                {
                    Error(DiagnosticCodes.UnsupportedVersion, "irVersion", root.Get("irVersion")!,
                        $"IR version {version} is not supported; this build reads version {ModelSpec.CurrentIrVersion}");
                    return null;
                }
                var name = Field(root, "", "name", JsonKind.String, true)?.Text;
                var dim = Int(root, "", "embeddingDim", true);
                var axesNode = Field(root, "", "axes", JsonKind.Array, true);
                var axes = new List<string>();
                if (axesNode != null)
                {
                    for (var i = 0; i < axesNode.Items.Count; i++)
                    {
                        var a = axesNode.Items[i];
                        Mark($"axes[{i}]", a);
                        if (a.Kind == JsonKind.String) axes.Add(a.Text);
                        else Error(DiagnosticCodes.Malformed, $"axes[{i}]", a, "an axis name is a string");
                    }
                }

                ViewEmbeddingSpec? view = null;
                var viewNode = root.Get("viewEmbedding");
                if (viewNode != null && viewNode.Kind != JsonKind.Null)
                {
                    var vn = Field(root, "", "viewEmbedding", JsonKind.Object, false);
                    if (vn != null && CheckFields(vn, "viewEmbedding", ViewFields))
                    {
                        var classes = Int(vn, "viewEmbedding", "classes", true);
                        var key = Field(vn, "viewEmbedding", "key", JsonKind.String, false)?.Text ?? ReferenceNames.ViewEmbedding;
                        if (classes != null) view = new ViewEmbeddingSpec(classes.Value, key);
                    }
                }
                var poolingNode = Field(root, "", "pooling", JsonKind.Array, true);
                var pooling = poolingNode == null ? null : ReadStages(poolingNode, "pooling");
                var headsNode = Field(root, "", "heads", JsonKind.Array, true);
                var heads = new List<HeadSpec>();
                if (headsNode != null)
                {
                    for (var i = 0; i < headsNode.Items.Count; i++)
                    {
                        var h = ReadHead(headsNode.Items[i], $"heads[{i}]");
                        if (h != null) heads.Add(h);
                    }
                }

                var unused = new List<UnusedParameter>();
                var unusedNode = Field(root, "", "unusedParameters", JsonKind.Array, false);
                if (unusedNode != null)
                {
                    for (var i = 0; i < unusedNode.Items.Count; i++)
                    {
                        var u = ReadUnused(unusedNode.Items[i], $"unusedParameters[{i}]");
                        if (u != null) unused.Add(u);
                    }
                }

                if (version == null || name == null || dim == null || axesNode == null || pooling == null || headsNode == null) return null;
                return new ModelSpec(version!.Value, name, dim.Value, axes.ToEquatableList(), pooling, heads.ToEquatableList(), view)
                { UnusedParameters = unused.ToEquatableList() };
            }

            private UnusedParameter? ReadUnused(JsonValue node, string path)
            {
                Mark(path, node);
                if (node.Kind != JsonKind.Object) { Error(DiagnosticCodes.Malformed, path, node, "an unused parameter is an object { \"key\": ..., \"shape\": [...] }"); return null; }
                if (!CheckFields(node, path, new[] { "key", "shape" })) return null;
                var key = Field(node, path, "key", JsonKind.String, true)?.Text;
                var shapeNode = Field(node, path, "shape", JsonKind.Array, true);
                if (key == null || shapeNode == null) return null;
                var shape = new List<int>();
                foreach (var d in shapeNode.Items)
                {
                    if (d.Kind != JsonKind.Number || d.Number != System.Math.Floor(d.Number) || d.Number > int.MaxValue)
                    {
                        Error(DiagnosticCodes.Malformed, path + ".shape", d, "a shape is an array of integers");
                        return null;
                    }
                    shape.Add((int)d.Number);
                }
                return new UnusedParameter(key, shape.ToEquatableList());
            }

            private EquatableList<PoolStage>? ReadStages(JsonValue array, string path)
            {
                var stages = new List<PoolStage>();
                var ok = true;
                for (var i = 0; i < array.Items.Count; i++)
                {
                    var s = ReadStage(array.Items[i], $"{path}[{i}]");
                    if (s == null) ok = false; else stages.Add(s);
                }
                return ok ? stages.ToEquatableList() : null;
            }

            private PoolStage? ReadStage(JsonValue node, string path)
            {
                Mark(path, node);
                if (node.Kind != JsonKind.Object)
                {
                    Error(DiagnosticCodes.Malformed, path, node, "a pooling stage is an object with 'pool' or 'concat'");
                    return null;
                }
                if (node.Get("concat") != null)
                {
                    if (!CheckFields(node, path, new[] { "concat" })) return null;
                    var branches = Field(node, path, "concat", JsonKind.Array, true);
                    if (branches == null) return null;
                    var list = new List<EquatableList<PoolStage>>();
                    for (var b = 0; b < branches.Items.Count; b++)
                    {
                        var bp = $"{path}.concat[{b}]";
                        var branch = branches.Items[b];
                        Mark(bp, branch);
                        if (branch.Kind != JsonKind.Array) { Error(DiagnosticCodes.Malformed, bp, branch, "a concat branch is an array of stages"); return null; }
                        var stages = ReadStages(branch, bp);
                        if (stages == null) return null;
                        list.Add(stages);
                    }
                    return new ConcatStage(list.ToEquatableList());
                }
                var kind = Enum(node, path, "pool", PoolNames, true);
                if (kind == null) return null;
                var known = new List<string> { "pool", "over" };
                if (kind == PoolKind.ClsToken) known.AddRange(new[] { "attentionHeads", "norm", "dropout", "params" });
                if (kind == PoolKind.GatedAttention) known.AddRange(new[] { "hidden", "dropout", "params" });
                if (!CheckFields(node, path, known.ToArray())) return null;
                var over = Field(node, path, "over", JsonKind.String, true)?.Text;
                var o = new PoolOptions();
                if (kind == PoolKind.ClsToken)
                {
                    o = o with
                    {
                        AttentionHeads = Int(node, path, "attentionHeads", false) ?? o.AttentionHeads,
                        Norm = Enum(node, path, "norm", NormNames, false) ?? o.Norm,
                    };
                }
                if (kind == PoolKind.GatedAttention) o = o with { Hidden = Int(node, path, "hidden", false) ?? o.Hidden };
                if (kind == PoolKind.ClsToken || kind == PoolKind.GatedAttention)
                {
                    o = o with { Dropout = Field(node, path, "dropout", JsonKind.Number, false)?.Number ?? 0.0 };
                    var pp = Join(path, "params");
                    var ps = Field(node, path, "params", JsonKind.Object, false);
                    if (ps != null)
                    {
                        if (!CheckFields(ps, pp, kind == PoolKind.ClsToken ? ParamFieldsCls : ParamFieldsGate)) return null;
                        o = o with
                        {
                            TokenKey = Field(ps, pp, "token", JsonKind.String, false)?.Text ?? "",
                            AttentionKey = Field(ps, pp, "attention", JsonKind.String, false)?.Text ?? "",
                            NormKey = Field(ps, pp, "norm", JsonKind.String, false)?.Text ?? "",
                            GateKey = Field(ps, pp, "gate", JsonKind.String, false)?.Text ?? "",
                        };
                    }
                }
                if (over == null) return null;
                return new PoolLevel(kind.Value, over, ReferenceNames.WithDefaultKeys(kind.Value, over, o));
            }

            private HeadSpec? ReadHead(JsonValue node, string path)
            {
                Mark(path, node);
                if (node.Kind != JsonKind.Object) { Error(DiagnosticCodes.Malformed, path, node, "a head is an object"); return null; }
                if (!CheckFields(node, path, HeadFields)) return null;
                var name = Field(node, path, "name", JsonKind.String, true)?.Text;
                var task = Enum(node, path, "task", TaskNames, true);
                var outputs = Int(node, path, "outputs", true);
                var loss = Enum(node, path, "loss", LossNames, false);
                var weight = Field(node, path, "weight", JsonKind.Number, false)?.Number ?? 1.0;
                var dropout = Field(node, path, "dropout", JsonKind.Number, false)?.Number ?? 0.0;
                var intervalsNode = Field(node, path, "intervals", JsonKind.Array, false);
                List<double>? intervals = null;
                if (intervalsNode != null)
                {
                    intervals = new List<double>();
                    for (var i = 0; i < intervalsNode.Items.Count; i++)
                    {
                        var v = intervalsNode.Items[i];
                        Mark($"{path}.intervals[{i}]", v);
                        if (v.Kind != JsonKind.Number) { Error(DiagnosticCodes.Malformed, $"{path}.intervals[{i}]", v, "an interval bound is a number (a time)"); return null; }
                        intervals.Add(v.Number);
                    }
                }
                if (name == null || task == null || outputs == null) return null;
                return new HeadSpec(name, task.Value, outputs.Value, loss ?? HeadSpec.DefaultLoss(task.Value), weight, dropout, intervals?.ToEquatableList());
            }
        }

        /// <summary>Writes the canonical JSON form: every key explicit, two-space indent, stable order.</summary>
        public static string Write(ModelSpec spec)
        {
            var w = new Writer();
            w.Open('{');
            w.Prop("irVersion", Num(spec.IrVersion));
            w.Prop("name", Str(spec.Name));
            w.Prop("embeddingDim", Num(spec.EmbeddingDim));
            w.Prop("axes", "[" + string.Join(", ", spec.Axes.Select(Str)) + "]");
            if (spec.ViewEmbedding != null)
                w.Prop("viewEmbedding", $"{{ \"classes\": {spec.ViewEmbedding.Classes}, \"key\": {Str(spec.ViewEmbedding.Key)} }}");
            w.Key("pooling");
            WriteStages(w, spec.Pooling);
            w.Key("heads");
            w.Open('[');
            foreach (var h in spec.Heads)
                // dropout is written only where a head has it, so specs without keep their canonical form
                w.Item($"{{ \"name\": {Str(h.Name)}, \"task\": \"{TaskName(h.Task)}\", \"outputs\": {h.Outputs}, \"loss\": \"{LossName(h.Loss)}\", \"weight\": {Num(h.Weight)}{(h.Dropout > 0 ? $", \"dropout\": {Num(h.Dropout)}" : "")}{(h.Intervals != null ? $", \"intervals\": [{string.Join(", ", h.Intervals.Select(Num))}]" : "")} }}");
            w.Close(']');
            if (spec.UnusedParameters.Count > 0)
            {
                w.Key("unusedParameters");
                w.Open('[');
                foreach (var u in spec.UnusedParameters)
                    w.Item($"{{ \"key\": {Str(u.Key)}, \"shape\": [{string.Join(", ", u.Shape)}] }}");
                w.Close(']');
            }
            w.Close('}');
            return w.ToString();
        }

        private static void WriteStages(Writer w, IEnumerable<PoolStage> stages)
        {
            w.Open('[');
            foreach (var stage in stages)
            {
                switch (stage)
                {
                    case ConcatStage c:
                        w.BeginItem();
                        w.Open('{');
                        w.Key("concat");
                        w.Open('[');
                        foreach (var branch in c.Branches) { w.BeginItem(); WriteStages(w, branch); }
                        w.Close(']');
                        w.Close('}');
                        break;
                    case PoolLevel level:
                        w.Item(Level(level));
                        break;
                    default:
                        throw new System.ArgumentException($"a pooling stage of type {stage.GetType().Name} has no JSON form");
                }
            }
            w.Close(']');
        }

        private static string Level(PoolLevel l)
        {
            var o = l.Options;
            var parts = new List<string> { $"\"pool\": \"{PoolName(l.Kind)}\"", $"\"over\": {Str(l.Over)}" };
            if (l.Kind == PoolKind.ClsToken)
            {
                parts.Add($"\"attentionHeads\": {o.AttentionHeads}");
                parts.Add($"\"norm\": \"{NormName(o.Norm)}\"");
                parts.Add($"\"dropout\": {Num(o.Dropout)}");
                parts.Add($"\"params\": {{ \"token\": {Str(o.TokenKey)}, \"attention\": {Str(o.AttentionKey)}, \"norm\": {Str(o.NormKey)} }}");
            }
            if (l.Kind == PoolKind.GatedAttention)
            {
                parts.Add($"\"hidden\": {o.Hidden}");
                parts.Add($"\"dropout\": {Num(o.Dropout)}");
                parts.Add($"\"params\": {{ \"gate\": {Str(o.GateKey)} }}");
            }
            return "{ " + string.Join(", ", parts) + " }";
        }

        public static string Str(string s)
        {
            var sb = new StringBuilder("\"");
            foreach (var ch in s)
            {
                if (ch == '"' || ch == '\\') sb.Append('\\').Append(ch);
                else if (ch < ' ') sb.Append("\\u").Append(((int)ch).ToString("x4"));
                else sb.Append(ch);
            }
            return sb.Append('"').ToString();
        }

        private static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>Indentation bookkeeping for the canonical form.</summary>
        private sealed class Writer
        {
            private readonly StringBuilder sb = new StringBuilder();
            private readonly Stack<bool> first = new Stack<bool>();
            private bool pendingKey;

            private void Indent() => sb.Append(' ', first.Count * 2);

            private void Separate()
            {
                if (pendingKey) { pendingKey = false; return; }
                if (first.Count > 0)
                {
                    if (!first.Peek()) sb.Append(',');
                    first.Pop(); first.Push(false);
                    sb.Append('\n');
                    Indent();
                }
            }

            public void Open(char c) { Separate(); sb.Append(c); first.Push(true); }

            public void Close(char c)
            {
                var empty = first.Pop();
                if (!empty) { sb.Append('\n'); Indent(); }
                sb.Append(c);
            }

            public void Key(string k) { Separate(); sb.Append(Str(k)).Append(": "); pendingKey = true; }
            public void Prop(string k, string raw) { Key(k); sb.Append(raw); pendingKey = false; }
            public void Item(string raw) { Separate(); sb.Append(raw); }
            public void BeginItem() { Separate(); pendingKey = true; }
            public override string ToString() => sb.ToString() + "\n";
        }
    }
}
