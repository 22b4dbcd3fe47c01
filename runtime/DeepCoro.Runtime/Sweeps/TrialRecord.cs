using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// Pending: created, not started. Running: a process is (or was, before a kill) working on it. Interrupted: the
    /// sweep stopped while it ran. Finished, Stopped (by hyperband), Failed (crash, OOM, no metric) and Invalid
    /// (rejected before launch) are final: a resumed sweep keeps them.
    /// </summary>
    public enum TrialStatus { Pending, Running, Interrupted, Finished, Stopped, Failed, Invalid }

    /// <summary>One epoch of a trial: the swept metric and every number the trial logged with it.</summary>
    public sealed record EpochMetrics(int Epoch, double Value, JsonObject Values);

    /// <summary>Everything the sweep knows about one trial; saved as <c>trials/trial-NNNN/record.json</c>.</summary>
    public sealed class TrialRecord
    {
        public int Index { get; init; }
        public JsonObject Params { get; init; } = new JsonObject();
        public TrialStatus Status { get; set; }
        public string? Reason { get; set; }
        public int Attempts { get; set; }
        public int? ExitCode { get; set; }
        public int? Pid { get; set; }
        public DateTime? PidStart { get; set; }
        public DateTime? StartedAt { get; set; }
        public DateTime? EndedAt { get; set; }
        public List<EpochMetrics> Epochs { get; } = new List<EpochMetrics>();
        /// <summary>The best value of the metric over the trial's epochs (the epoch whose checkpoint training keeps).</summary>
        public double? Final { get; set; }
        public int? BestEpoch { get; set; }
        /// <summary>The merged trial config (base + params), as JSON.</summary>
        public JsonNode? Config { get; set; }

        public bool IsFinal => Status is TrialStatus.Finished or TrialStatus.Stopped or TrialStatus.Failed or TrialStatus.Invalid;

        public static string Name(int index) => $"trial-{index:D4}";

        public void AddEpoch(EpochMetrics e, SweepMetric metric)
        {
            Epochs.Add(e);
            if (Final is null || metric.Better(e.Value, Final.Value)) { Final = e.Value; BestEpoch = e.Epoch; }
        }

        /// <summary>The best metric over epochs 1..epoch, or null if the trial has not reached that epoch.</summary>
        public double? BestUpTo(int epoch, SweepMetric metric)
        {
            if (Epochs.Count == 0 || Epochs[^1].Epoch < epoch) return null;
            double? best = null;
            foreach (var e in Epochs)
                if (e.Epoch <= epoch && (best is null || metric.Better(e.Value, best.Value))) best = e.Value;
            return best;
        }

        public string ToJson()
        {
            var o = new JsonObject
            {
                ["index"] = Index,
                ["status"] = Status.ToString().ToLowerInvariant(),
                ["reason"] = Reason,
                ["params"] = Params.DeepClone(),
                ["attempts"] = Attempts,
                ["exitCode"] = ExitCode,
                ["pid"] = Pid,
                ["pidStart"] = PidStart?.ToString("O", CultureInfo.InvariantCulture),
                ["startedAt"] = StartedAt?.ToString("O", CultureInfo.InvariantCulture),
                ["endedAt"] = EndedAt?.ToString("O", CultureInfo.InvariantCulture),
                ["final"] = Final,
                ["bestEpoch"] = BestEpoch,
                ["epochs"] = new JsonArray(Epochs.Select(e => (JsonNode)new JsonObject
                {
                    ["epoch"] = e.Epoch, ["value"] = e.Value, ["metrics"] = e.Values.DeepClone(),
                }).ToArray()),
                ["config"] = Config?.DeepClone(),
            };
            return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }

        public static TrialRecord FromJson(string json, string source)
        {
            try
            {
                var o = JsonNode.Parse(json)!.AsObject();
                var r = new TrialRecord
                {
                    Index = (int)o["index"]!,
                    Params = o["params"]!.AsObject().DeepClone().AsObject(),
                    Status = Enum.Parse<TrialStatus>((string)o["status"]!, ignoreCase: true),
                    Reason = (string?)o["reason"],
                    Attempts = (int?)o["attempts"] ?? 0,
                    ExitCode = (int?)o["exitCode"],
                    Pid = (int?)o["pid"],
                    PidStart = Date(o["pidStart"]),
                    StartedAt = Date(o["startedAt"]),
                    EndedAt = Date(o["endedAt"]),
                    Final = (double?)o["final"],
                    BestEpoch = (int?)o["bestEpoch"],
                    Config = o["config"]?.DeepClone(),
                };
                foreach (var e in o["epochs"]?.AsArray() ?? new JsonArray())
                    r.Epochs.Add(new EpochMetrics((int)e!["epoch"]!, (double)e["value"]!, e["metrics"]?.AsObject().DeepClone().AsObject() ?? new JsonObject()));
                return r;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"{source}: not a trial record ({e.Message})", e);
            }
        }

        private static DateTime? Date(JsonNode? n) =>
            n is null ? null : DateTime.Parse((string)n!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
    }
}
