using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepCoro.Runtime.IO;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>What a sweep directory was created for; a rerun with other files or another seed is refused.</summary>
    /// <param name="BaseDir">The folder of the original base config, against which its relative paths resolve.</param>
    public sealed record SweepManifest(string Method, string Metric, string Goal, int Seed, int Trials, string SweepSha256, string BaseSha256,
                                       string BaseDir, IReadOnlyList<string> Command)
    {
        public string ToJson() => new JsonObject
        {
            ["version"] = 1,
            ["method"] = Method,
            ["metric"] = Metric,
            ["goal"] = Goal,
            ["seed"] = Seed,
            ["trials"] = Trials,
            ["sweepSha256"] = SweepSha256,
            ["baseSha256"] = BaseSha256,
            ["baseDir"] = BaseDir,
            ["command"] = new JsonArray(Command.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

        public static SweepManifest FromJson(string json, string source)
        {
            try
            {
                var o = JsonNode.Parse(json)!.AsObject();
                return new SweepManifest((string)o["method"]!, (string)o["metric"]!, (string)o["goal"]!, (int)o["seed"]!, (int)o["trials"]!,
                                         (string)o["sweepSha256"]!, (string)o["baseSha256"]!, (string)o["baseDir"]!,
                                         o["command"]!.AsArray().Select(c => (string)c!).ToList());
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"{source}: not a sweep manifest ({e.Message})", e);
            }
        }
    }

    /// <summary>
    /// The sweep directory: <c>sweep.json</c> (manifest), <c>sweep.yaml</c> and <c>base.yaml</c> (copies of the inputs,
    /// so Slurm tasks and <c>sweep status</c> need nothing else), and <c>trials/trial-NNNN/</c> with <c>record.json</c>,
    /// <c>config.yaml</c>, <c>run/</c> (the trial's training output) and its stdout/stderr logs. Every file is written atomically.
    /// </summary>
    public sealed class SweepStore
    {
        public string Dir { get; }

        public SweepStore(string dir) { Dir = Path.GetFullPath(dir); }

        public string ManifestPath => Path.Combine(Dir, "sweep.json");
        public string SweepPath => Path.Combine(Dir, "sweep.yaml");
        public string BasePath => Path.Combine(Dir, "base.yaml");
        public string BestConfigPath => Path.Combine(Dir, "best_config.yaml");
        public string PlotsDir => Path.Combine(Dir, "plots");
        public string TrialDir(int index) => Path.Combine(Dir, "trials", TrialRecord.Name(index));
        public string RecordPath(int index) => Path.Combine(TrialDir(index), "record.json");
        public string ConfigPath(int index) => Path.Combine(TrialDir(index), "config.yaml");
        public string RunDir(int index) => Path.Combine(TrialDir(index), "run");

        public bool Exists => File.Exists(ManifestPath);

        public static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

        /// <summary>Creates the directory for a new sweep, or checks that an existing one holds the same sweep.</summary>
        public SweepManifest CreateOrCheck(string sweepText, string baseText, SweepManifest wanted)
        {
            if (Exists)
            {
                var have = ReadManifest();
                var why = have.SweepSha256 != wanted.SweepSha256 ? "another sweep file"
                        : have.BaseSha256 != wanted.BaseSha256 ? "another base config"
                        : have.Seed != wanted.Seed ? $"seed {have.Seed}"
                        : have.Method != wanted.Method ? $"method {have.Method}"
                        : null;
                if (why != null)
                    throw new ArgumentException($"{Dir} holds a sweep started with {why}; resume it with the same inputs, or pick another --output");
                // a larger --trials extends the sweep; the command may move with a rebuilt binary
                var merged = have with { Trials = Math.Max(have.Trials, wanted.Trials), Command = wanted.Command };
                AtomicFile.WriteText(ManifestPath, merged.ToJson());
                return merged;
            }
            Directory.CreateDirectory(Dir);
            AtomicFile.WriteText(SweepPath, sweepText);
            AtomicFile.WriteText(BasePath, baseText);
            AtomicFile.WriteText(ManifestPath, wanted.ToJson());
            return wanted;
        }

        public SweepManifest ReadManifest()
        {
            if (!Exists) throw new ArgumentException($"{Dir}: not a sweep directory (no sweep.json)");
            return SweepManifest.FromJson(File.ReadAllText(ManifestPath), ManifestPath);
        }

        /// <summary>Holds the directory for one driver at a time; the lock goes with the process, however it ends.</summary>
        public IDisposable Lock()
        {
            Directory.CreateDirectory(Dir);
            try
            {
                return new FileStream(Path.Combine(Dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                throw new ArgumentException($"{Dir}: another `deepcoro sweep` is running on this directory");
            }
        }

        public void Save(TrialRecord record) => AtomicFile.WriteText(RecordPath(record.Index), record.ToJson());

        public TrialRecord? Load(int index)
        {
            var path = RecordPath(index);
            return File.Exists(path) ? TrialRecord.FromJson(File.ReadAllText(path), path) : null;
        }

        /// <summary>Every trial record, by index.</summary>
        public SortedDictionary<int, TrialRecord> LoadAll()
        {
            var all = new SortedDictionary<int, TrialRecord>();
            var trials = Path.Combine(Dir, "trials");
            if (!Directory.Exists(trials)) return all;
            foreach (var dir in Directory.GetDirectories(trials, "trial-*"))
            {
                var path = Path.Combine(dir, "record.json");
                if (!File.Exists(path)) continue;
                var r = TrialRecord.FromJson(File.ReadAllText(path), path);
                all[r.Index] = r;
            }
            return all;
        }
    }
}
