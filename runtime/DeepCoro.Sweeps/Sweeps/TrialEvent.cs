using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// One line of the sweep journal. Every event names its trial; the events of an attempt carry its number, so that
    /// a late event of an attempt that was re-queued cannot change the attempt that replaced it.
    /// </summary>
    public sealed record TrialEvent(TrialEventKind Kind, int Trial, DateTime At)
    {
        public int Attempt { get; init; }
        /// <summary>Created: the proposed values.</summary>
        public JsonObject? Params { get; init; }
        /// <summary>Started: who claimed the attempt.</summary>
        public AgentIdentity? Agent { get; init; }
        /// <summary>Epoch: its number, the metric, and every number logged with it.</summary>
        public int Epoch { get; init; }
        public double Value { get; init; }
        public JsonObject? Metrics { get; init; }
        /// <summary>Ended: finished, stopped or failed.</summary>
        public TrialStatus Status { get; init; }
        public int? ExitCode { get; init; }
        public string? Reason { get; init; }

        public static TrialEvent Created(int trial, JsonObject values) => new(TrialEventKind.Created, trial, DateTime.UtcNow) { Params = values };

        public static TrialEvent Invalid(int trial, string reason) => new(TrialEventKind.Invalid, trial, DateTime.UtcNow) { Reason = reason };

        public static TrialEvent Started(int trial, int attempt, AgentIdentity agent) =>
            new(TrialEventKind.Started, trial, DateTime.UtcNow) { Attempt = attempt, Agent = agent };

        public static TrialEvent EpochDone(int trial, int attempt, int epoch, double value, JsonObject metrics) =>
            new(TrialEventKind.Epoch, trial, DateTime.UtcNow) { Attempt = attempt, Epoch = epoch, Value = value, Metrics = metrics };

        public static TrialEvent Ended(int trial, int attempt, TrialStatus status, string? reason, int? exitCode = null) =>
            new(TrialEventKind.Ended, trial, DateTime.UtcNow) { Attempt = attempt, Status = status, Reason = reason, ExitCode = exitCode };

        public static TrialEvent Requeued(int trial, int attempt, string reason) =>
            new(TrialEventKind.Requeued, trial, DateTime.UtcNow) { Attempt = attempt, Reason = reason };

        public static TrialEvent Interrupted(int trial, int attempt, string reason) =>
            new(TrialEventKind.Interrupted, trial, DateTime.UtcNow) { Attempt = attempt, Reason = reason };

        public string ToJsonLine()
        {
            var o = new JsonObject
            {
                ["event"] = Kind.ToString().ToLowerInvariant(),
                ["trial"] = Trial,
                ["at"] = At.ToString("O", CultureInfo.InvariantCulture),
            };
            if (Kind != TrialEventKind.Created && Kind != TrialEventKind.Invalid) o["attempt"] = Attempt;
            switch (Kind)
            {
                case TrialEventKind.Created: o["params"] = Params!.DeepClone(); break;
                case TrialEventKind.Started: o["agent"] = Agent!.ToJson(); break;
                case TrialEventKind.Epoch:
                    o["epoch"] = Epoch;
                    o["value"] = Value;
                    o["metrics"] = Metrics?.DeepClone() ?? new JsonObject();
                    break;
                case TrialEventKind.Ended:
                    o["status"] = Status.ToString().ToLowerInvariant();
                    o["exitCode"] = ExitCode;
                    o["reason"] = Reason;
                    break;
                default:
                    o["reason"] = Reason;
                    break;
            }
            return o.ToJsonString();
        }

        /// <summary>Reads one journal line; <paramref name="where"/> (file:line) starts the message of a line that is
        /// not an event.</summary>
        public static TrialEvent Parse(string line, string where)
        {
            try
            {
                var o = JsonNode.Parse(line)!.AsObject();
                var kind = Enum.Parse<TrialEventKind>((string)o["event"]!, ignoreCase: true);
                var at = DateTime.Parse((string)o["at"]!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                return new TrialEvent(kind, (int)o["trial"]!, at)
                {
                    Attempt = (int?)o["attempt"] ?? 0,
                    Params = o["params"]?.AsObject().DeepClone().AsObject(),
                    Agent = o["agent"] is JsonNode a ? AgentIdentity.FromJson(a) : null,
                    Epoch = (int?)o["epoch"] ?? 0,
                    Value = (double?)o["value"] ?? 0,
                    Metrics = o["metrics"]?.AsObject().DeepClone().AsObject(),
                    Status = o["status"] is JsonNode s ? Enum.Parse<TrialStatus>((string)s!, ignoreCase: true) : TrialStatus.Pending,
                    ExitCode = (int?)o["exitCode"],
                    Reason = (string?)o["reason"],
                };
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"{where}: not a sweep journal event ({e.Message}); the journal was edited or damaged");
            }
        }
    }
}
