using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// What a sweep directory was created for (<c>sweep.json</c>): the search, its budget, hashes of the inputs (a
    /// rerun with other inputs is refused), the trial command every agent runs and the agents' heartbeat timing.
    /// </summary>
    /// <param name="BaseDir">The folder of the original base config, against which its relative paths resolve.</param>
    /// <param name="StaleAfterSeconds">A trial whose agent (on another machine)
    /// has not reported for this long is re-queued.</param>
    public sealed record SweepManifest(string Method, string Metric, string Goal, int Seed, int Trials, string SweepSha256, string BaseSha256,
                                       string BaseDir, IReadOnlyList<string> Command, double HeartbeatSeconds, double StaleAfterSeconds)
    {
        public const int Version = 2;

        public string ToJson() => new JsonObject
        {
            ["version"] = Version,
            ["method"] = Method,
            ["metric"] = Metric,
            ["goal"] = Goal,
            ["seed"] = Seed,
            ["trials"] = Trials,
            ["sweepSha256"] = SweepSha256,
            ["baseSha256"] = BaseSha256,
            ["baseDir"] = BaseDir,
            ["command"] = new JsonArray(Command.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            ["heartbeatSeconds"] = HeartbeatSeconds,
            ["staleAfterSeconds"] = StaleAfterSeconds,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

        public static SweepManifest FromJson(string json, string source)
        {
            JsonObject o;
            try { o = JsonNode.Parse(json)!.AsObject(); }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
            {
                throw new InvalidDataException($"{source}: not a sweep manifest ({e.Message})", e);
            }
            if ((int?)o["version"] != Version)
                throw new InvalidDataException($"{source}: a sweep directory of another deepcoro version (manifest version {o["version"]?.ToJsonString() ?? "none"}, expected {Version}); start a new sweep directory");
            try
            {
                return new SweepManifest((string)o["method"]!, (string)o["metric"]!, (string)o["goal"]!, (int)o["seed"]!, (int)o["trials"]!,
                                         (string)o["sweepSha256"]!, (string)o["baseSha256"]!, (string)o["baseDir"]!,
                                         o["command"]!.AsArray().Select(c => (string)c!).ToList(),
                                         (double)o["heartbeatSeconds"]!, (double)o["staleAfterSeconds"]!);
            }
            catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"{source}: not a sweep manifest ({e.Message})", e);
            }
        }
    }
}
