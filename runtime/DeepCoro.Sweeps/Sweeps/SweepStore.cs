using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using DeepCoro.Runtime.IO;
using DeepCoro.Spec;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The sweep directory, on a file system every agent sees: <c>sweep.json</c> (manifest, written last: a directory
    /// is a sweep once it exists), <c>sweep.yaml</c> and <c>base.yaml</c> (copies of the inputs, so agents and
    /// <c>sweep status</c> need nothing else), <c>journal.jsonl</c> (every trial event) with its lock
    /// <c>journal.lock</c>, and <c>trials/trial-NNNN/</c> holding <c>config.yaml</c> and one <c>attempt-K/</c> per
    /// attempt (<c>run/</c>, stdout and stderr logs, <c>heartbeat.json</c>). Every file but the journal is written
    /// whole (temporary file, then rename); the journal only grows by whole lines.
    /// </summary>
    public sealed class SweepStore
    {
        public string Dir { get; }

        public SweepStore(string dir) { Dir = Path.GetFullPath(dir); }

        public string ManifestPath => Path.Combine(Dir, "sweep.json");
        public string SweepPath => Path.Combine(Dir, "sweep.yaml");
        public string BasePath => Path.Combine(Dir, "base.yaml");
        public string JournalPath => Path.Combine(Dir, "journal.jsonl");
        public string LockPath => Path.Combine(Dir, "journal.lock");
        public string BestConfigPath => Path.Combine(Dir, "best_config.yaml");
        public string LeaderboardPath => Path.Combine(Dir, "leaderboard.csv");
        public string PlotsDir => Path.Combine(Dir, "plots");
        public string LogsDir => Path.Combine(Dir, "logs");
        public string TrialDir(int index) => Path.Combine(Dir, "trials", TrialRecord.Name(index));
        public string ConfigPath(int index) => Path.Combine(TrialDir(index), "config.yaml");
        public string AttemptDir(int index, int attempt) => Path.Combine(TrialDir(index), $"attempt-{attempt}");
        public string RunDir(int index, int attempt) => Path.Combine(AttemptDir(index, attempt), "run");
        public string HeartbeatPath(int index, int attempt) => Path.Combine(AttemptDir(index, attempt), "heartbeat.json");

        public bool Exists => File.Exists(ManifestPath);

        public static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

        /// <summary>Takes the sweep lock (creating the directory),
        /// after checking that this file system enforces it.</summary>
        public SweepLock Lock(TimeSpan timeout, CancellationToken cancel)
        {
            Directory.CreateDirectory(Dir);
            SweepLock.CheckEnforced(LockPath);
            return SweepLock.Acquire(LockPath, timeout, cancel);
        }

        /// <summary>Creates a new sweep here; refused when the directory already holds one.</summary>
        public SweepManifest Init(string sweepText, string baseText, SweepManifest manifest)
        {
            using var held = Lock(TimeSpan.FromMinutes(1), CancellationToken.None);
            if (Exists)
                throw new DeepCoroUserException($"{Dir} already holds a sweep (sweep.json)", Remedy.RunAgentsOrOtherOutput);
            Create(sweepText, baseText, manifest);
            return manifest;
        }

        /// <summary>
        /// The one-machine form: creates the sweep, or checks that the directory holds the same one (same files, seed,
        /// method) and lets a larger budget extend it.
        /// </summary>
        public SweepManifest CreateOrCheck(string sweepText, string baseText, SweepManifest wanted)
        {
            using var held = Lock(TimeSpan.FromMinutes(1), CancellationToken.None);
            if (!Exists)
            {
                Create(sweepText, baseText, wanted);
                return wanted;
            }
            var have = ReadManifest();
            var why = have.SweepSha256 != wanted.SweepSha256 ? "another sweep file"
                    : have.BaseSha256 != wanted.BaseSha256 ? "another base config"
                    : have.Seed != wanted.Seed ? $"seed {have.Seed}"
                    : have.Method != wanted.Method ? $"method {have.Method}"
                    : null;
            if (why != null)
                throw new DeepCoroUserException($"{Dir} holds a sweep started with {why}", Remedy.SameInputsOrOtherOutput);
            if (wanted.Trials <= have.Trials) return have;
            var extended = have with { Trials = wanted.Trials };
            AtomicFile.WriteText(ManifestPath, extended.ToJson());
            return extended;
        }

        public SweepManifest ReadManifest()
        {
            if (!Directory.Exists(Dir)) throw new DeepCoroUserException($"{Dir}: no such directory");
            if (!Exists)
                throw new DeepCoroUserException($"{Dir}: not a sweep directory (no sweep.json)", Remedy.InitSweep);
            return SweepManifest.FromJson(File.ReadAllText(ManifestPath), ManifestPath);
        }

        /// <summary>Every trial as the journal tells it (no lock: whole lines only).</summary>
        public SweepState Load(SweepDefinition sweep)
        {
            var state = new SweepState(sweep);
            foreach (var e in new SweepJournal(JournalPath).ReadNew()) state.Apply(e);
            return state;
        }

        private void Create(string sweepText, string baseText, SweepManifest manifest)
        {
            AtomicFile.WriteText(SweepPath, sweepText);
            AtomicFile.WriteText(BasePath, baseText);
            // the manifest goes last and never over another: it is what makes the directory a sweep
            var temp = ManifestPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            try
            {
                AtomicFile.WriteText(temp, manifest.ToJson());
                File.Move(temp, ManifestPath, overwrite: false);
            }
            catch (IOException) when (Exists)
            {
                throw new DeepCoroUserException($"{Dir} already holds a sweep (sweep.json)", Remedy.RunAgentsOrOtherOutput);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
    }
}
