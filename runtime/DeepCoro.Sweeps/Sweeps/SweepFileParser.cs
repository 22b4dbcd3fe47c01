using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DeepCoro.Spec;
using DeepCoro.Yaml;
using YamlDotNet.RepresentationModel;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Reads W&amp;B sweep files (YAML) as W&amp;B does: a top-level key it does not know (run_mode, notes, ...) is
    /// ignored with a warning; keys that only mean something to W&amp;B's agent or server (program, command, entity,
    /// project, name, description, metric.target, early_terminate.strict) are reported once each, and the command
    /// W&amp;B would have run is kept to be shown. Inside metric, parameters and early_terminate an unknown key is an
    /// error naming its line and column and the closest known key.
    /// </summary>
    public static class SweepFileParser
    {
        private static readonly string[] TopKeys = { "method", "metric", "parameters", "early_terminate", "run_cap" };
        private static readonly string[] ServerKeys = { "entity", "project", "name", "description", "controller" };
        private static readonly string[] MetricKeys = { "name", "goal" };
        private static readonly string[] ParameterKeys = { "value", "values", "distribution", "min", "max", "mu", "sigma", "q", "parameters" };
        private static readonly string[] HyperbandKeys = { "type", "min_iter", "max_iter", "eta", "s" };

        public static SweepDefinition Load(string path) => Parse(Path.GetFileName(path), File.ReadAllText(path));

        public static SweepDefinition Parse(string fileName, string text)
        {
            var p = new Reader(fileName);
            var root = p.Load(text, "the sweep file is empty");
            var result = root is null ? null : p.Sweep(root);
            if (p.Errors.Count > 0 || result is null) throw new SweepFileException(p.Errors.Select(e => e.ToString()).ToList());
            return result;
        }

        /// <summary>This format's phrasing ("method: expected a name"); numbers unquoted, names not empty.</summary>
        private static readonly YamlWording SweepWording = new YamlWording
        {
            Expected = (what, expected, _) => $"{what}: expected {expected}",
            StringName = "a name",
            EmptyStringIsMissing = true,
            PlainScalarsOnly = true,
        };

        private sealed class Reader : YamlDocumentReader
        {
            public Reader(string file) : base(file, SweepWording) { }

            private IReadOnlyList<YamlEntry>? Entries(YamlNode node, string what) => Map(node, what)?.Entries;

            private T? Choice<T>(YamlNode node, string what, IReadOnlyDictionary<string, T> choices) where T : struct =>
                TryChoice(node, what, choices, out var x) ? x : null;

            public SweepDefinition? Sweep(YamlNode root)
            {
                var top = Entries(root, "the sweep file");
                if (top is null) return null;
                SearchMethod? method = null;
                SweepMetric? metric = null;
                Hyperband? hyperband = null;
                int? runCap = null;
                var parameters = new List<SweepParameter>();
                var sawParameters = false;
                List<string>? command = null, program = null;
                var ignored = new List<string>();
                foreach (var (key, keyNode, value) in top)
                {
                    switch (key)
                    {
                        case "method":
                            method = Choice(value, "method", new Dictionary<string, SearchMethod>
                            { ["grid"] = SearchMethod.Grid, ["random"] = SearchMethod.Random, ["bayes"] = SearchMethod.Bayes });
                            break;
                        case "metric": metric = Metric(value); break;
                        case "parameters":
                            sawParameters = true;
                            Parameters(value, "", parameters);
                            break;
                        case "early_terminate": hyperband = EarlyTerminate(value); break;
                        case "run_cap":
                            runCap = Int(value, "run_cap");
                            if (runCap <= 0) Error(value, "run_cap: must be at least 1");
                            break;
                        case "command":
                            command = Words(value);
                            Warn(keyNode, $"command: W&B's agent would run `{string.Join(" ", command)}`; not run here (trials run the sweep's trial command)");
                            break;
                        case "program":
                            // W&B's default command is `${env} ${interpreter} ${program} ${args}`
                            program = new List<string> { "python", string.Join(" ", Words(value)), "${args}" };
                            Warn(keyNode, "program: the script W&B's agent would run; not run here (trials run the sweep's trial command)");
                            break;
                        default:
                            if (ServerKeys.Contains(key))
                            {
                                Warn(keyNode, $"'{key}' is a W&B server setting; ignored");
                            }
                            else
                            {
                                ignored.Add(key);
                                Warn(keyNode, $"'{key}' is not a W&B sweep key; ignored, as W&B ignores it");
                            }
                            break;
                    }
                }
                string Misspelt(string wanted) =>
                    ignored.FirstOrDefault(k => Suggestions.Closest(k, TopKeys) == wanted) is string k ? $" ('{k}' is not a key: did you mean '{wanted}'?)" : "";
                if (method is null && !top.Any(t => t.Key == "method")) Error(root, "missing 'method' (grid, random or bayes)" + Misspelt("method"));
                if (metric is null && !top.Any(t => t.Key == "metric"))
                    Error(root, "missing 'metric', e.g. metric: { name: val/main_loss, goal: minimize }" + Misspelt("metric"));
                if (!sawParameters) Error(root, "missing 'parameters'" + Misspelt("parameters"));
                else if (parameters.Count == 0 && Errors.Count == 0) Error(root, "'parameters' is empty");
                foreach (var dup in parameters.GroupBy(x => x.Name).Where(g => g.Count() > 1))
                    Error(root, $"parameter '{dup.Key}' is given twice (as a dotted key and nested?)");
                if (method == SearchMethod.Grid)
                {
                    foreach (var prm in parameters.Where(x => x.GridValues() is null))
                    {
                        Error(prm.Line, prm.Column, DiagnosticCodes.InvalidValue,
                              $"grid search cannot enumerate '{prm.Name}' ({prm.DistributionName}); give it 'values', or use random or bayes");
                    }
                }

                if (Errors.Count > 0 || method is null || metric is null) return null;
                return new SweepDefinition(File, method.Value, metric, parameters, hyperband, runCap, Warnings.Select(w => w.ToString()).ToList(),
                                           command ?? program ?? new List<string>());
            }

            /// <summary>A command as words: a list of scalars (W&amp;B's form) or one string.</summary>
            private static List<string> Words(YamlNode node) => node switch
            {
                YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode s ? s.Value ?? "" : c.ToString()).ToList(),
                YamlScalarNode s => new List<string> { s.Value ?? "" },
                _ => new List<string> { node.ToString() },
            };

            private SweepMetric? Metric(YamlNode node)
            {
                var entries = Entries(node, "metric");
                if (entries is null) return null;
                string? name = null;
                var goal = Goal.Minimize;
                foreach (var (key, keyNode, value) in entries)
                {
                    if (key == "name") name = String(value, "metric.name");
                    else if (key == "goal")
                        goal = Choice(value, "metric.goal", new Dictionary<string, Goal> { ["minimize"] = Goal.Minimize, ["maximize"] = Goal.Maximize }) ?? goal;
                    else if (key == "target") Warn(keyNode, "metric.target is not honoured: the sweep runs its whole budget");
                    else Unknown(keyNode, key, "metric", MetricKeys);
                }
                if (name is null && !entries.Any(e => e.Key == "name")) Error(node, "metric: missing 'name', e.g. val/main_loss");
                return name is null ? null : new SweepMetric(name, goal);
            }

            private Hyperband? EarlyTerminate(YamlNode node)
            {
                var entries = Entries(node, "early_terminate");
                if (entries is null) return null;
                int? minIter = null, maxIter = null, s = null;
                double eta = 3;
                var typed = false;
                foreach (var (key, keyNode, value) in entries)
                {
                    switch (key)
                    {
                        case "type":
                            typed = true;
                            var t = String(value, "early_terminate.type");
                            if (t is not null && t != "hyperband")
                                Error(value, $"early_terminate.type: '{t}' is not supported; the only type is hyperband");
                            break;
                        case "min_iter": minIter = Int(value, "early_terminate.min_iter"); if (minIter < 1) Error(value, "early_terminate.min_iter: must be at least 1"); break;
                        case "max_iter": maxIter = Int(value, "early_terminate.max_iter"); if (maxIter < 1) Error(value, "early_terminate.max_iter: must be at least 1"); break;
                        case "s": s = Int(value, "early_terminate.s"); if (s < 1) Error(value, "early_terminate.s: must be at least 1"); break;
                        case "eta": eta = Float(value, "early_terminate.eta") ?? eta; if (eta <= 1) Error(value, "early_terminate.eta: must be above 1"); break;
                        case "strict": Warn(keyNode, "early_terminate.strict is not honoured: rungs compare against every trial that reached them"); break;
                        default: Unknown(keyNode, key, "early_terminate", HyperbandKeys); break;
                    }
                }
                if (!typed) Error(node, "early_terminate: missing 'type: hyperband'");
                if (minIter is null && maxIter is null) Error(node, "early_terminate: give min_iter (rungs min_iter*eta^k) or max_iter with s");
                if (minIter is null && maxIter is not null && s is null) Error(node, "early_terminate: max_iter needs s (the number of rungs)");
                if (minIter is not null && maxIter is not null) Error(node, "early_terminate: give min_iter or max_iter, not both");
                return new Hyperband(minIter, minIter is null ? maxIter : null, eta, s);
            }

            /// <summary>Flattens nested <c>parameters:</c> blocks into dotted names (head_lr: {parameters: {cathEF:
            /// ...}} -> head_lr.cathEF).</summary>
            private void Parameters(YamlNode node, string prefix, List<SweepParameter> into)
            {
                var entries = Entries(node, prefix == "" ? "parameters" : prefix + ".parameters");
                if (entries is null) return;
                foreach (var (name, keyNode, value) in entries)
                {
                    var full = prefix == "" ? name : prefix + "." + name;
                    var keys = Entries(value, $"parameter '{full}'");
                    if (keys is null) continue;
                    var nested = keys.FirstOrDefault(k => k.Key == "parameters");
                    if (nested.Value is not null)
                    {
                        if (keys.Count > 1) Error(value, $"parameter '{full}': 'parameters' (nested) cannot be mixed with other keys");
                        Parameters(nested.Value, full, into);
                        continue;
                    }
                    var p = Parameter(full, value, keys);
                    if (p is not null) into.Add(p.At(File, (int)keyNode.Start.Line, (int)keyNode.Start.Column));
                }
            }

            private SweepParameter? Parameter(string name, YamlNode node, IReadOnlyList<YamlEntry> keys)
            {
                var what = $"parameter '{name}'";
                var given = new Dictionary<string, YamlNode>();
                foreach (var (key, keyNode, value) in keys)
                {
                    if (ParameterKeys.Contains(key)) given[key] = value;
                    else Unknown(keyNode, key, what, ParameterKeys);
                }
                Distribution? dist = null;
                if (given.TryGetValue("distribution", out var dn))
                {
                    dist = Choice(dn, what + ": distribution", SweepParameter.Names);
                }
                else if (given.ContainsKey("values"))
                {
                    dist = Distribution.Categorical;
                }
                else if (given.ContainsKey("value"))
                {
                    dist = Distribution.Constant;
                }
                else if (given.ContainsKey("min") && given.ContainsKey("max"))
                {
                    dist = IsInt(given["min"]) && IsInt(given["max"]) ? Distribution.IntUniform : Distribution.Uniform;
                }
                else if (given.ContainsKey("mu") || given.ContainsKey("sigma"))
                {
                    dist = Distribution.Normal;
                }
                else { Error(node, $"{what}: give 'value', 'values', 'min' and 'max', or a 'distribution'"); return null; }
                if (dist is null) return null;

                var allowed = dist switch
                {
                    Distribution.Constant => new[] { "value" },
                    Distribution.Categorical => new[] { "values" },
                    Distribution.IntUniform or Distribution.Uniform or Distribution.LogUniformValues => new[] { "min", "max" },
                    Distribution.QUniform or Distribution.QLogUniformValues => new[] { "min", "max", "q" },
                    _ => new[] { "mu", "sigma" },
                };
                var required = dist switch
                {
                    Distribution.Constant => new[] { "value" },
                    Distribution.Categorical => new[] { "values" },
                    Distribution.Normal or Distribution.LogNormal => Array.Empty<string>(),
                    _ => new[] { "min", "max" },
                };
                var distName = SweepParameter.Names.First(kv => kv.Value == dist).Key;
                var ok = true;
                foreach (var k in given.Keys.Where(k => k != "distribution" && !allowed.Contains(k)))
                {
                    Error(given[k], $"{what}: '{k}' does not apply to {distName} (it takes {string.Join(", ", allowed)})");
                    ok = false;
                }
                foreach (var k in required.Where(k => !given.ContainsKey(k)))
                {
                    Error(node, $"{what}: {distName} needs '{k}'");
                    ok = false;
                }
                if (!ok) return null;

                switch (dist.Value)
                {
                    case Distribution.Constant:
                        return new SweepParameter(name, dist.Value, new[] { SweepValues.FromYaml(given["value"]) });
                    case Distribution.Categorical:
                        if (given["values"] is not YamlSequenceNode seq || seq.Children.Count == 0)
                        {
                            Error(given["values"], $"{what}: 'values' must be a non-empty list");
                            return null;
                        }
                        return new SweepParameter(name, dist.Value, seq.Children.Select(SweepValues.FromYaml).ToList());
                    case Distribution.Normal:
                    case Distribution.LogNormal:
                        var mu = given.TryGetValue("mu", out var m) ? Float(m, what + ": mu") : 0;
                        var sigma = given.TryGetValue("sigma", out var sg) ? Float(sg, what + ": sigma") : 1;
                        if (sigma <= 0) { Error(given["sigma"], $"{what}: sigma must be above 0"); return null; }
                        return mu is null || sigma is null ? null : new SweepParameter(name, dist.Value, mu: mu.Value, sigma: sigma.Value);
                    default:
                        var min = Float(given["min"], what + ": min");
                        var max = Float(given["max"], what + ": max");
                        var q = given.TryGetValue("q", out var qn) ? Float(qn, what + ": q") : 1;
                        if (min is null || max is null || q is null) return null;
                        if (min > max || (min == max && dist != Distribution.IntUniform)) { Error(given["max"], $"{what}: max ({max}) must be above min ({min})"); return null; }
                        if (q <= 0) { Error(given["q"], $"{what}: q must be above 0"); return null; }
                        if ((dist is Distribution.LogUniformValues or Distribution.QLogUniformValues) && min <= 0)
                        {
                            Error(given["min"], $"{what}: {distName} needs min above 0 (it samples the logarithm)");
                            return null;
                        }
                        if (dist == Distribution.IntUniform && !(IsInt(given["min"]) && IsInt(given["max"])))
                        {
                            Error(node, $"{what}: int_uniform needs integer min and max");
                            return null;
                        }
                        // q distributions give integers when q and the bounds are integers (batch sizes, epochs)
                        var integer = dist is Distribution.QUniform or Distribution.QLogUniformValues
                                       && IsInt(given["min"]) && IsInt(given["max"]) && (qn is null || IsInt(qn));
                        return new SweepParameter(name, dist.Value, min: min.Value, max: max.Value, q: q.Value, integer: integer);
                }
            }

            private static bool IsInt(YamlNode node) => SweepValues.IsInteger(SweepValues.FromYaml(node));
        }
    }
}
